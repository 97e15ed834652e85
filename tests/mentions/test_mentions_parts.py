"""Issue 28, the parts of mentions: which feed addresses are kept (the fence's rule, proved on
the rule itself: no packet is sent), when two links are one page, feedparser reading only the
bytes it is given, the news searches and the alert steps for the exact name."""

from __future__ import annotations

import dataclasses
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.config import load_settings
from lowprofile.errors import ConfigError, InputError
from lowprofile.mentions.feeds import check_feed_url
from lowprofile.mentions.links import normalise
from lowprofile.mentions.matching import match_item
from lowprofile.mentions.news import news_feeds
from lowprofile.mentions.reading import read_feed
from lowprofile.subject import Address, Name, Subject, load_profile

runner = CliRunner()
JANE = Subject(
    names=(Name.parse("Jane Doe"),),
    addresses=(Address(city="Austin", state="TX"),),
    usernames=("janedoe84",),
)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://alerts.example/feed", "only https"),
        ("https://10.0.0.7/feed", "private"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://127.0.0.1/feed", "loopback"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("https://[::1]:8080/feed", "loopback"),
    ],
)
def test_a_feed_address_must_be_https_on_a_public_host(url: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        check_feed_url(url, allow_loopback=False)


def test_loopback_is_let_through_only_with_the_opt_in() -> None:
    assert check_feed_url("http://127.0.0.1:8000/a.atom", allow_loopback=True)
    assert check_feed_url(" https://www.google.com/alerts/feeds/1/2 ", allow_loopback=False) == (
        "https://www.google.com/alerts/feeds/1/2"
    )
    with pytest.raises(InputError, match="private"):
        check_feed_url("https://192.168.1.1/feed", allow_loopback=True)
    with pytest.raises(InputError, match="only https"):
        check_feed_url("http://news.example/feed", allow_loopback=True)


def test_mentions_add_refuses_a_private_address_in_one_line() -> None:
    assert runner.invoke(app, ["init", "--name", "Jane Doe"]).exit_code == 0
    result = runner.invoke(app, ["mentions", "add", "https://10.1.2.3/feed"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_two_links_to_one_page_normalise_alike() -> None:
    page = "https://news.example/2026/a"
    for link in (
        "https://www.google.com/url?rct=j&sa=t&url=https://news.example/2026/a&ct=ga",
        "http://www.news.example/2026/a/?utm_source=rss&utm_medium=x",
        "https://NEWS.example:443/2026/a#comments",
    ):
        assert normalise(link) == page, link
    assert normalise("https://news.example/a?id=2&b=1") == "https://news.example/a?b=1&id=2"
    assert normalise("https://news.example/a?id=2") != normalise("https://news.example/a?id=3")


def test_feedparser_reads_only_the_bytes_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body that is a URL is text, never an address feedparser goes to fetch."""

    def no_fetch(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser tried to fetch")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_fetch)
    feed = read_feed(b"https://127.0.0.1:9/feed.xml", "https://127.0.0.1:9/feed.xml")
    assert feed.problem and not feed.items


def test_a_page_that_is_not_a_feed_says_so() -> None:
    assert read_feed(b"<html><body>results</body></html>", "https://x.example").problem == (
        "not an RSS or Atom feed"
    )


def test_the_name_alone_is_possible_and_the_username_makes_it_hers() -> None:
    alone = match_item("Jane Doe wins a prize", "https://news.example/p", JANE)
    assert alone is not None and 0.5 <= alone.confidence < 0.8 and not alone.namesake
    handle = match_item("Jane Doe (janedoe84) posts", "https://news.example/p", JANE)
    assert handle is not None and handle.confidence >= 0.8
    assert match_item("Jane Smith and John Doe", "https://news.example/p", JANE) is None
    middle = match_item("Jane Q. Doe of Austin", "https://news.example/p", JANE)
    assert middle is not None and middle.in_city


def test_news_feeds_search_the_exact_quoted_name() -> None:
    google, bing = news_feeds(JANE, ("google", "bing"))
    assert google.url.startswith("https://news.google.com/rss/search?q=%22Jane+Doe%22&")
    assert bing.url == "https://www.bing.com/news/search?q=%22Jane+Doe%22&format=rss"
    assert google.shown and bing.shown


def test_an_unknown_news_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mention_news: gogle"):
        load_settings(environ={"LOWPROFILE_MENTION_NEWS": "google, gogle"})


def test_setup_prints_the_exact_steps() -> None:
    args = ["mentions", "setup", "--name", "Jane Doe", "--city", "Austin", "-u", "janedoe84"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "https://www.google.com/alerts" in text
    assert "Deliver to: RSS feed" in text
    assert "lowprofile mentions add URL" in text
    queries = [line.split("    (")[0].strip() for line in text.splitlines() if "    (" in line]
    assert queries == ['"Jane Doe" Austin', '"Jane Doe"', '"janedoe84"']


def test_her_employer_beside_the_name_makes_it_hers_and_a_namesake_elsewhere_stays_one() -> None:
    """The employer tells her from a namesake where the item names no city of hers; without
    it, a place elsewhere is a namesake's."""
    worker = dataclasses.replace(JANE, employers=("Travis County Utility",))
    item = "Jane Doe of Travis County Utility speaks in Portland, OR"
    at_work = match_item(item, "https://news.example/p", worker)
    assert at_work is not None and at_work.confidence >= 0.8 and not at_work.namesake
    assert "your employer (Travis County Utility)" in at_work.reasons
    elsewhere = match_item(item, "https://news.example/p", JANE)
    assert elsewhere is not None and elsewhere.namesake == "Portland, OR"


def test_employers_are_read_from_the_profile_and_never_printed(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('names = ["Jane Doe"]\nemployers = ["Travis County Utility"]\n')
    subject = load_profile(path)
    assert subject.employers == ("Travis County Utility",)
    assert subject.masked()["employers"] == 1
    assert "Travis County Utility" not in subject.redactor()("at Travis County Utility")
