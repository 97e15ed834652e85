"""``lowprofile mentions``: set up Google Alerts for your name as feeds, and keep the feeds a
scan reads (``add``, ``list``, ``remove``). The ``mentions`` checker reads them at each scan."""

from __future__ import annotations

from typing import Annotated

import typer

from lowprofile.cli.common import (
    CityOpt,
    NameOpt,
    PersonOpt,
    ProfileOpt,
    UsernameOpt,
    command_group,
)

app = command_group(
    "Mentions of your name: your Google Alerts and other feeds, read at every scan "
    "(news searches for your exact name are read too)."
)
ALERTS_PAGE = "https://www.google.com/alerts"


@app.command("setup")
def setup_command(
    profile: ProfileOpt = None,
    names: NameOpt = None,
    city: CityOpt = None,
    usernames: UsernameOpt = None,
) -> None:
    """Print the exact steps to create your Google Alerts as RSS feeds and add them here."""
    from lowprofile.cli.subject_args import resolve_subject
    from lowprofile.mentions.news import alert_queries

    subject = resolve_subject(
        profile,
        names,
        city=city,
        state=None,
        postcode=None,
        birth_year=None,
        emails=None,
        phones=None,
        usernames=usernames,
        photo_dirs=None,
    )
    subject.primary  # noqa: B018 - a one-line error (exit 2) when there is no name
    lines = [
        "Google Alerts for your name, delivered as feeds that every scan reads:",
        f"1. Open {ALERTS_PAGE} and sign in to your Google account.",
        "2. Type one query below into the box at the top (the quotes matter: they ask for the "
        "exact name).",
        "3. Click 'Show options' and set 'Deliver to: RSS feed' (and 'How many: All results').",
        "4. Click 'Create Alert'. On the alerts page, the RSS icon beside the alert links to its "
        "feed: copy that link's address.",
        "5. Paste it here:  lowprofile mentions add URL",
        "6. Repeat from step 2 for each query. The feed address is private: anyone who has it "
        "reads your alerts, so lowprofile keeps it in a private file and reports show its host "
        "only.",
        "",
        "The queries:",
    ]
    lines += [f"  {query}    ({why})" for query, why in alert_queries(subject)]
    lines += [
        "",
        "News searches for your exact name (Google News, Bing News) are read as feeds too; the "
        "setting mention_news chooses them.",
    ]
    for line in lines:
        typer.echo(line)


@app.command("add")
def add_command(
    url: Annotated[str, typer.Argument(help="The feed's address (https).")],
    profile: PersonOpt = None,
) -> None:
    """Keep a feed (your Google Alert's RSS address, or any RSS or Atom feed) for every scan."""
    from lowprofile.cli.common import stderr_console
    from lowprofile.cli.subject_args import current_person
    from lowprofile.config import load_settings
    from lowprofile.mentions.feeds import add_feed, feed_host

    loopback = load_settings().allow_loopback
    added = add_feed(current_person(profile, writing=True), url, allow_loopback=loopback)
    said = "Added" if added else "Already kept"
    stderr_console().print(f"{said}: the feed at {feed_host(url)}; every scan reads it.")


@app.command("list")
def list_command(profile: PersonOpt = None) -> None:
    """The feeds kept for you, numbered (``mentions remove N`` takes the number)."""
    from lowprofile.cli.subject_args import current_person
    from lowprofile.mentions.feeds import load_feeds

    feeds = load_feeds(current_person(profile))
    if not feeds:
        typer.echo("No feeds kept: `lowprofile mentions setup` says how to add your alerts.")
    for number, url in enumerate(feeds, 1):
        typer.echo(f"{number}. {url}")


@app.command("remove")
def remove_command(
    feed: Annotated[str, typer.Argument(help="The feed's address, or its number in `list`.")],
    profile: PersonOpt = None,
) -> None:
    """Forget a feed."""
    from lowprofile.cli.common import stderr_console
    from lowprofile.cli.subject_args import current_person
    from lowprofile.mentions.feeds import feed_host, remove_feed

    gone = remove_feed(current_person(profile, writing=True), feed)
    stderr_console().print(f"Removed the feed at {feed_host(gone)}.")
