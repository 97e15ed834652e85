"""``lowprofile registry`` (the catalogue of registered brokers, the request ledger) and the
``optout requests`` command that writes to them. Thin: flags in, registry package, output out."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lowprofile.cli.common import (
    EXIT_FAILED,
    PersonOpt,
    ProfileOpt,
    command_group,
    fail,
    print_rows,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from lowprofile.brokers.schema import Broker
    from lowprofile.optout.law import Law
    from lowprofile.registry.catalogue import Catalogue
    from lowprofile.registry.deletion import DeletionRequest
    from lowprofile.registry.ledger import Ledger
    from lowprofile.registry.prepare import Prepared

app = command_group("Registered data brokers: the state registry, and your deletion requests.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def _sites() -> list[Broker]:
    from lowprofile.brokers.loader import load_brokers

    return list(load_brokers().brokers.values())


def _summary(catalogue: Catalogue) -> dict[str, object]:
    from lowprofile.registry.match import match_all

    matched = match_all(catalogue.entries, _sites())
    return {
        "source": catalogue.source,
        "imported": catalogue.imported,
        "brokers": len(catalogue.entries),
        "by_email": sum(1 for e in catalogue.entries if e.emails),
        "web_form_only": sum(1 for e in catalogue.entries if not e.emails),
        "matched_broker_files": len(matched),
        "skipped_rows": catalogue.problems,
    }


@app.command("update")
def update_command(
    source: Annotated[
        str | None,
        typer.Argument(help="Registry CSV: a file or an https:// URL (default: the shipped copy)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import the data-broker registry CSV into your data folder."""
    from lowprofile.registry.catalogue import load_catalogue, save_catalogue, shipped_catalogue_path
    from lowprofile.registry.importer import import_registry

    if source is None:
        catalogue = load_catalogue(shipped_catalogue_path())
    else:
        catalogue = import_registry(source)
    path = save_catalogue(catalogue)
    summary = _summary(catalogue)
    console = stderr_console()
    for problem in catalogue.problems:
        console.print(_shown(f"skipped: {problem}", style="yellow"))
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    console.print(
        _shown(
            f"Imported {summary['brokers']} registered brokers into {path}: "
            f"{summary['by_email']} take requests by email, {summary['web_form_only']} by web "
            f"form only, {summary['matched_broker_files']} match a broker file; "
            f"{len(catalogue.problems)} row problem(s)."
        )
    )


def _shown(text: object, style: str = "") -> Text:
    """Registry, reply and path text as plain rich Text: never read as markup, with control
    characters and bidi overrides shown as U+FFFD (a broker's name or a reply's subject is
    written by someone else)."""
    from rich.text import Text

    from lowprofile.report.base import clean_text

    return Text(clean_text(text), style=style)


@app.command("list")
def list_command(
    only: Annotated[list[str] | None, typer.Option("--only", help="Id, name or domain.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The registered brokers in the catalogue, how each takes requests, and matching sites."""

    from lowprofile.registry.catalogue import load_catalogue
    from lowprofile.registry.deletion import select
    from lowprofile.registry.match import match_all

    entries = select(load_catalogue().entries, only or [])
    matched = match_all(entries, _sites())
    if as_json:
        data = [dict(e.to_dict(), broker_files=list(matched.get(e.id, ()))) for e in entries]
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    rows = [
        tuple(
            str(_shown(c))
            for c in (
                e.id,
                e.label,
                e.method,
                ", ".join(matched.get(e.id, ())),
                e.email or e.optout_url,
            )
        )
        for e in entries
    ]
    header = ("id", "name", "method", "broker files", "contact")
    print_rows(f"Registered data brokers ({len(entries)})", header, rows, (18, 20, 6, 10))


@app.command("status")
def status_command(as_json: JsonFlag = False, profile: PersonOpt = None) -> None:
    """Your deletion requests: state, due date, and which are overdue."""
    from rich.table import Table

    from lowprofile.cli.subject_args import current_person
    from lowprofile.registry.catalogue import load_catalogue
    from lowprofile.registry.ledger import Ledger, word
    from lowprofile.registry.prepare import route
    from lowprofile.registry.tasks import not_yet_asked

    today = date.today()
    with Ledger(current_person(profile)) as ledger:
        rows = ledger.rows()
        asked = ledger.asked()
    open_ = not_yet_asked(route(load_catalogue().entries, _sites()).entries, asked)
    if as_json:
        payload = {"requests": [r.to_dict(today) for r in rows], "not_yet_asked": len(open_)}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    table = Table(title="Deletion requests to registered brokers")
    for column in ("ref", "broker", "to", "state", "sent", "due", "note"):
        table.add_column(column)
    for r in rows:
        due = r.due.isoformat() if r.due else ""
        cells = (
            r.ref,
            "; ".join(r.names),
            r.recipient,
            "OVERDUE" if r.overdue(today) else word(r.state),
            r.sent.isoformat() if r.sent else "",
            due,
            r.note,
        )
        table.add_row(*(_shown(c) for c in cells))
    console = stdout_console()
    console.print(table)
    overdue = sum(1 for r in rows if r.overdue(today))
    console.print(
        f"{len(rows)} request(s), {overdue} overdue; {len(open_)} registered broker address(es) "
        "not yet asked (lowprofile optout requests)."
    )


@app.command("mark")
def mark_command(
    refs: Annotated[list[str], typer.Argument(metavar="REF...", help="Request references.")],
    state: Annotated[str, typer.Option("--as", help="sent, answered, confirmed or refused.")],
    when: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="YYYY-MM-DD (default today)."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What they said.")] = "",
    profile: PersonOpt = None,
) -> None:
    """Record a broker's answer (or that you sent a draft yourself) by hand."""
    from lowprofile.cli.subject_args import current_person
    from lowprofile.registry.ledger import Ledger, word

    day = when.date() if when else date.today()
    with Ledger(current_person(profile)) as ledger:
        for ref in refs:
            row = ledger.mark(ref.upper(), state, day, note)
            stderr_console().print(
                f"{row.ref}: {word(row.state)}" + (f", due {row.due}" if row.due else "")
            )


@app.command("replies")
def replies_command(
    host: Annotated[str | None, typer.Option("--host", help="IMAP server (imap_host).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Login (imap_user).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (imap_port).")] = None,
    folder: Annotated[
        str | None, typer.Option("--folder", help="Mailbox folder (imap_folder).")
    ] = None,
    security: Annotated[
        str | None,
        typer.Option("--security", help="ssl, starttls, or none for this machine (imap_security)."),
    ] = None,
    profile: PersonOpt = None,
) -> None:
    """Read brokers' answers from your mailbox (IMAP, read-only, headers only) into the ledger.

    The mailbox is the one in your settings (config file, or LOWPROFILE_IMAP_HOST, _PORT, _USER,
    _FOLDER, _SECURITY); the flags override it for this run. The password comes from
    LOWPROFILE_IMAP_PASSWORD or the keyring entry "imap".
    """
    from lowprofile.config import load_settings
    from lowprofile.mail.imap import mailbox_password
    from lowprofile.registry.ledger import Ledger
    from lowprofile.registry.replies import apply_replies, fetch_replies

    settings = load_settings().with_overrides(
        imap_host=host, imap_user=user, imap_port=port, imap_folder=folder, imap_security=security
    )
    password = mailbox_password(settings)  # a missing setting is said before any work
    from lowprofile.cli.subject_args import current_person

    with Ledger(current_person(profile)) as ledger:
        sent = [r.sent for r in ledger.rows() if r.sent]
        if not sent:
            stderr_console().print("No request has been sent yet.")
            return
        messages = fetch_replies(settings, password, min(sent))
        updates = apply_replies(ledger, messages, date.today())
    for update in updates:
        what = (
            "answered"
            if update.verified
            else f"unverified reply from {update.sender}, not the broker's domain: not recorded"
        )
        stdout_console().print(
            _shown(f"{update.ref} {'; '.join(update.names)}: {what} ({update.subject})")
        )
    recorded = sum(u.verified for u in updates)
    stderr_console().print(
        f"{recorded} answer(s) recorded; read them, then `lowprofile registry mark REF "
        "--as confirmed` or `--as refused`."
    )


MAX_NOTES = 6
"""Registry-against-broker-file and personal-address notes shown before "+N more"."""
MAX_LISTED = 10
"""Messages and web forms the preview lists before "+N more" (``--all`` lists every one)."""


def _listed(console: Console, lines: list[str], every: bool, what: str) -> None:
    """Up to ``MAX_LISTED`` of ``lines`` (all with ``every``), then how many more there are."""
    shown = lines if every else lines[:MAX_LISTED]
    for line in shown:
        console.print(_shown(line), overflow="ellipsis", no_wrap=True)
    if len(lines) > len(shown):
        console.print(f"  +{len(lines) - len(shown)} more {what}: --all lists every one.")


def _print_preview(
    console: Console, prepared: Prepared, california: bool, law: Law, every: bool = False
) -> None:
    from lowprofile.optout.law import Law
    from lowprofile.plan import CALIFORNIA_DROP

    if california:
        console.print(
            _shown(
                "You live in California: one free DROP request reaches every registered broker "
                f"at once. File it first: {CALIFORNIA_DROP}",
                style="bold",
            )
        )
    elif law is Law.CCPA:
        console.print(
            "Note: the CCPA protects California residents; a broker may refuse a request under "
            "it from elsewhere (use --law plain, or gdpr where that applies)."
        )
    for entry, sites in prepared.covered_by_site_optout:
        console.print(
            _shown(f"already asked through the site opt-out ({', '.join(sites)}): {entry.label}")
        )
    notes = [d.sentence() for d in prepared.disagreements]
    notes += [
        f"left out, it names a person rather than a role: {address} ({entry.label}); "
        "--keep-personal-addresses writes to it too"
        for entry, address in prepared.personal_left_out
    ]
    for note in notes[:MAX_NOTES]:
        console.print(_shown(note, style="yellow"))
    if len(notes) > MAX_NOTES:
        console.print(f"+{len(notes) - MAX_NOTES} more of these: --json lists every one.")
    if prepared.already_asked:
        console.print(f"{len(prepared.already_asked)} broker address(es) already asked: skipped.")
    if prepared.web_forms:
        console.print(f"{len(prepared.web_forms)} web form(s) only, to fill in by hand:")
        forms = [f"  {e.label}: {e.optout_url}" for e in prepared.web_forms]
        _listed(console, forms, every, "web forms")
    console.print(f"{len(prepared.pending)} message(s) to write:")
    messages = [f"  {r.ref}  {'; '.join(r.names)} <{r.shown_to}>" for r in prepared.pending]
    _listed(console, messages, every, "messages")
    if prepared.pending:
        first = prepared.pending[0].message
        console.print("Every message reads like this one:")
        headers = "".join(f"{k}: {first[k]}\n" for k in ("From", "To", "Subject"))
        console.print(_shown(headers + "\n" + str(first.get_content()), style="dim"))


def _report_sent(request: DeletionRequest, outcome: str) -> None:
    """The progress line: "sent", or why the server refused this one message."""
    from lowprofile.registry.ledger import SENT, word

    said = word(SENT) if outcome == SENT else outcome
    stderr_console().print(_shown(f"{request.ref} {request.shown_to}: {said}"))


def requests_command(
    law: Annotated[
        str | None,
        typer.Option("--law", help="ccpa, gdpr or plain (default: from where you live)."),
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Send from your mail account.")] = False,
    drafts: Annotated[
        Path | None, typer.Option("--drafts", help="Write .eml files to this folder instead.")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only these brokers (id, name or domain).")
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option("--add", help="Add a field: city, postcode, street, phone, birth-year."),
    ] = None,
    interval: Annotated[
        float | None,
        typer.Option("--interval", min=0, help="Seconds between two messages (default 20)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking.")] = False,
    keep_personal: Annotated[
        bool,
        typer.Option(
            "--keep-personal-addresses",
            help="Also write to registry addresses that name a person (first.last@).",
        ),
    ] = False,
    profile: ProfileOpt = None,
    as_json: JsonFlag = False,
    every: Annotated[
        bool, typer.Option("--all", help="List every message and web form in the preview.")
    ] = False,
) -> None:
    """Deletion requests to every registered data broker that takes them by email.

    Without --send or --drafts it only shows what would be sent.
    """
    from lowprofile.config import default_profile_path, load_settings
    from lowprofile.optout.law import Law, law_for
    from lowprofile.registry.catalogue import load_catalogue
    from lowprofile.registry.deletion import write_drafts
    from lowprofile.registry.ledger import DRAFTED, Ledger
    from lowprofile.registry.mailer import DEFAULT_INTERVAL, SmtpAccount, record, send_requests
    from lowprofile.registry.prepare import prepare
    from lowprofile.subject import load_profile

    if send and drafts is not None:
        fail("choose one of --send and --drafts")
    subject = load_profile(profile or default_profile_path())
    settings = load_settings()
    sender = settings.smtp_from or (subject.emails[0] if subject.emails else "")
    account = SmtpAccount.from_settings(settings, sender) if send else None
    home_law = law_for(subject.current_addresses)
    chosen_law = Law.parse(law) if law else home_law
    with Ledger(subject.person_id) as ledger:
        prepared = prepare(
            load_catalogue().entries,
            subject=subject,
            law=chosen_law,
            sender=sender,
            sites=_sites(),
            site_optouts=_recorded_site_optouts(ledger),
            asked=ledger.asked(),
            refs=ledger.refs(),
            only=only or [],
            add=add or [],
            keep_personal=keep_personal,
        )
        console = stderr_console() if as_json else stdout_console()
        if as_json:
            typer.echo(json.dumps(_preview_json(prepared), indent=2, ensure_ascii=False))
        else:
            _print_preview(console, prepared, home_law is Law.CCPA, chosen_law, every)
        if drafts is not None:
            for path in write_drafts(prepared.pending, drafts):
                console.print(_shown(f"draft: {path}"))
            for request in prepared.pending:
                record(ledger, request, DRAFTED, date.today())
            return
        if account is None or not prepared.pending:
            return
        pace = DEFAULT_INTERVAL if interval is None else interval
        minutes = round(pace * (len(prepared.pending) - 1) / 60)
        console.print(f"At one message every {pace:g} s this takes about {minutes} minute(s).")
        if not yes and not typer.confirm(
            f"Send {len(prepared.pending)} message(s) through {account.relay.host} "
            f"as {account.sender}?"
        ):
            raise typer.Exit(1)
        report = send_requests(
            prepared.pending,
            ledger,
            account,
            interval=pace,
            on_progress=_report_sent,
        )
    stderr_console().print(
        f"Sent {len(report.sent)}, refused {len(report.failed)}; see `lowprofile registry status`."
    )
    if report.failed:
        raise typer.Exit(EXIT_FAILED)


def _recorded_site_optouts(ledger: Ledger) -> list[str]:
    """Broker files whose own opt-out the person made (``optout done``, ``optout run``)."""
    from lowprofile.optout.model import Channel

    return [r.broker for r in ledger.records.requests() if r.channel is not Channel.REGISTRY]


def _preview_json(prepared: Prepared) -> dict[str, object]:
    return {
        "pending": [
            {
                "ref": r.ref,
                "to": list(r.to),
                "brokers": list(r.broker_ids),
                "subject": str(r.message["Subject"]),
                "body": str(r.message.get_content()),
            }
            for r in prepared.pending
        ],
        "already_asked": prepared.already_asked,
        "covered_by_site_optout": [e.id for e, _ in prepared.covered_by_site_optout],
        "web_forms": [{"id": e.id, "url": e.optout_url} for e in prepared.web_forms],
        "broker_file_preferred": [
            {"id": d.entry.id, "broker_file": d.site, "why": d.sentence()}
            for d in prepared.disagreements
        ],
        "personal_addresses_left_out": [
            {"id": e.id, "address": a} for e, a in prepared.personal_left_out
        ],
    }
