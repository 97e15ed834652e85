"""``lowprofile optout``: the opt-outs to make, the ones made, and drafts for email opt-outs."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lowprofile.cli.common import PersonOpt, ProfileOpt, command_group
from lowprofile.cli.registry import requests_command

if TYPE_CHECKING:
    from lowprofile.brokers.schema import Broker
    from lowprofile.optout.model import Request, RequestEvent
    from lowprofile.optout_steps.runner import FormField, Outcome
    from lowprofile.optout_steps.values import Asked
    from lowprofile.results import ScanReport

app = command_group("Track opt-out requests and check that removals stick.")
app.command("requests")(requests_command)


@app.command("plan")
def plan_command(
    as_json: Annotated[bool, typer.Option("--json")] = False, profile: PersonOpt = None
) -> None:
    """The opt-outs from your latest scan, grouped by parent company."""
    from rich.text import Text

    from lowprofile.cli.common import stdout_console
    from lowprofile.cli.subject_args import current_person
    from lowprofile.plan import build_plan
    from lowprofile.store import Store

    person = current_person(profile)
    with Store() as store:
        report = store.load(store.resolve("latest", person))
    actions = [a for a in build_plan(report.results, False) if a.id.startswith("optout:")]
    if as_json:
        typer.echo(json.dumps([a.to_dict() for a in actions], indent=2))
        return
    console = stdout_console()
    if not actions:
        console.print(Text(_nothing_listed(report)))
    for action in actions:
        console.print(Text(f"[ ] {action.title}", style="bold"))
        console.print(Text(f"    covers: {', '.join(action.covers)}; method: {action.method}"))
        for link in action.links:
            console.print(Text(f"    {link['url']}"))
        console.print(Text(f"    then: lowprofile optout done {' / '.join(action.covers)}"))


def _nothing_listed(report: ScanReport) -> str:
    """ "No broker lists you" only as far as brokers answered: a scan that reached none says so."""
    line = next(
        (
            c
            for c in (report.coverage.lines if report.coverage else [])
            if c.what == "people-search sites"
        ),
        None,
    )
    if line is None or line.checked == 0:
        return (
            "No people-search site answered the latest scan, so nothing is known yet: "
            "see `lowprofile report latest` for the sites to check by hand, or scan again."
        )
    text = f"No broker lists you among the {line.checked} people-search sites that answered"
    if line.failed or line.manual:
        text += f"; {line.failed} could not be read and {line.manual} need a look by hand"
        text += " (`lowprofile report latest` has their links)"
    return text + "."


def _known_and_date(brokers: list[str], when: str | None) -> tuple[dict[str, Any], date]:
    """The broker files for these ids and the date given (today by default), or a usage error."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.cli.common import fail
    from lowprofile.cli.inputs import require_brokers

    known = load_brokers().brokers
    require_brokers(brokers, known)
    try:
        return known, date.fromisoformat(when) if when else date.today()
    except ValueError:
        fail(f"--date {when!r} is not YYYY-MM-DD")


DateOpt = Annotated[str | None, typer.Option("--date", help="When (YYYY-MM-DD; default today).")]


@app.command("done")
def done_command(
    brokers: Annotated[list[str], typer.Argument(metavar="BROKER...", help="Broker ids.")],
    when: DateOpt = None,
    profile: PersonOpt = None,
) -> None:
    """Record that you submitted the opt-out for these brokers."""
    from lowprofile.cli.common import stderr_console
    from lowprofile.cli.subject_args import current_person
    from lowprofile.optout.records import RequestLedger, by_hand

    known, submitted = _known_and_date(brokers, when)
    person = current_person(profile, writing=True)
    with RequestLedger(person) as ledger:
        for broker in brokers:
            ledger.add(by_hand(person, broker, submitted, known[broker].optout.recheck_days))
    stderr_console().print(f"Recorded {len(brokers)} opt-out(s) on {submitted.isoformat()}.")


@app.command("checked")
def checked_command(
    brokers: Annotated[list[str], typer.Argument(metavar="BROKER...", help="Broker ids.")],
    listed: Annotated[
        bool,
        typer.Option(
            "--listed/--not-listed",
            help="Whether you found yourself on the site.",
            show_default=False,
        ),
    ],
    url: Annotated[str, typer.Option("--url", help="The listing you found, if any.")] = "",
    when: DateOpt = None,
    profile: PersonOpt = None,
) -> None:
    """Record what you saw on sites you searched by hand: the next scans count them (a listing
    stays a finding with its opt-out; "not listed" holds until the site's re-check time)."""
    from lowprofile.cli.common import stderr_console
    from lowprofile.cli.subject_args import current_person
    from lowprofile.optout.model import HandCheck
    from lowprofile.optout.records import RequestLedger

    _, checked = _known_and_date(brokers, when)
    with RequestLedger(current_person(profile, writing=True)) as ledger:
        for broker in brokers:
            ledger.add_hand_check(HandCheck(broker, listed, checked, url))
    words = "listed on" if listed else "not listed on"
    stderr_console().print(f"Recorded: {words} {', '.join(brokers)} ({checked.isoformat()}).")


@app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    events: Annotated[
        bool, typer.Option("--events", help="Every step of each request, not only its state.")
    ] = False,
    profile: PersonOpt = None,
) -> None:
    """The opt-out ledger: each request's state (submitted, email_pending, awaiting_removal,
    confirmed_removed, failed, reappeared, needs_you), since when, why, and its evidence."""
    from datetime import UTC, datetime

    from rich.table import Table

    from lowprofile.cli.common import stdout_console
    from lowprofile.cli.subject_args import current_person
    from lowprofile.optout.ledger import entry
    from lowprofile.optout.records import RequestLedger

    with RequestLedger(current_person(profile)) as ledger:
        requests = ledger.requests()
    now = datetime.now(UTC)
    if as_json:
        rows = [
            {
                **entry(r, now).to_dict(),
                "channel": r.channel.value,
                "overdue": _overdue(r, now),
                "events": [_event_dict(e) for e in r.events],
            }
            for r in requests
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Opt-outs")
    for column in ("broker", "listing", "state", "since", "detail", "evidence"):
        table.add_column(column, overflow="fold")
    for request in requests:
        e = entry(request, now)
        state = "OVERDUE" if _overdue(request, now) else e.state
        table.add_row(e.broker, _what(request), state, _day(e.since), e.detail, e.evidence)
        if events:
            for step in request.events:
                evidence = step.evidence or (f"scan {step.scan_id}" if step.scan_id else "")
                table.add_row("", "", f"· {step.state}", _day(step.at), step.detail, evidence)
    stdout_console().print(table)


def _what(request: Request) -> str:
    """What a request asked to remove, as the status table says it."""
    from lowprofile.optout.model import Channel

    if request.channel is Channel.REGISTRY:
        return f"deletion email {request.ref} to {', '.join(request.recipients)}"
    return request.listing or "(the site)"


def _overdue(request: Request, now: datetime) -> bool:
    """A registry request sent, not answered, and past its legal deadline."""
    from lowprofile.optout.model import Channel, RequestState

    due = request.due
    return (
        request.channel is Channel.REGISTRY
        and request.state is RequestState.SUBMITTED
        and due is not None
        and now.date() > due
    )


def _day(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def _event_dict(event: RequestEvent) -> dict[str, Any]:
    return {
        "state": event.state.value,
        "at": event.at.isoformat(),
        "detail": event.detail,
        "evidence": event.evidence,
        "scan_id": event.scan_id,
    }


@app.command("draft")
def draft_command(
    broker_id: Annotated[str, typer.Argument(metavar="BROKER")],
    profile: ProfileOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the .eml.")] = None,
    by_email: Annotated[
        bool,
        typer.Option(
            "--by-email", help="Draft the email even where the broker's opt-out is a web form."
        ),
    ] = False,
) -> None:
    """Write the deletion request for a broker that takes opt-outs by email (.eml + mailto).

    The broker file's method comes first: where it is a web form, the email it also names is
    drafted only with --by-email."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.cli.common import fail, stderr_console
    from lowprofile.config import data_dir, default_profile_path
    from lowprofile.errors import StoreError
    from lowprofile.files import write_private
    from lowprofile.optout.drafts import draft_request, listing_urls
    from lowprofile.store import Store
    from lowprofile.subject import load_profile

    broker = load_brokers().brokers.get(broker_id)
    if broker is None:
        fail(f"unknown broker {broker_id!r} (see `lowprofile brokers list`)")
    if not broker.optout.email:
        fail(f"{broker.name} takes opt-outs by {broker.optout.method}: {broker.optout.url}")
    if broker.optout.method != "email" and not by_email:
        fail(
            f"{broker.name} takes opt-outs by {broker.optout.method}: {broker.optout.url} "
            f"(its file also names {broker.optout.email}; --by-email drafts to that instead)"
        )
    subject = load_profile(profile or default_profile_path())
    urls: list[str] = []
    try:
        with Store() as store:
            report = store.load(store.resolve("latest", subject.person_id))
        urls = listing_urls(report, broker_id)
    except StoreError:
        pass
    message, mailto = draft_request(subject, broker.name, broker.optout.email, urls)
    target = out or data_dir() / "optout" / f"{broker_id}.eml"
    write_private(target, message.as_bytes())
    stderr_console().print(f"Draft written to {target} (open it in your mail program).")
    typer.echo(mailto)


class ConsolePerson:
    """The person at the terminal: sees what each broker's steps send and approves it (or
    ``--yes``), sees the form before its submit, solves captchas in the visible window, and
    pastes a confirmation link (Enter: later)."""

    def __init__(self, *, present: bool, yes: bool) -> None:
        from lowprofile.cli.common import stderr_console

        self.present = present
        self.yes = yes
        self.console = stderr_console()

    def approve(self, broker: Broker, asks: list[Asked]) -> bool:
        from rich.text import Text

        self.console.print(Text(f"{broker.name} ({broker.domain}) will receive:", style="bold"))
        for ask in asks:
            self.console.print(Text(f"  {ask.label}: {ask.value}  ({ask.how} {ask.selector})"))
        return self.yes or typer.confirm("Go ahead?", default=False, err=True)

    def show_form(self, broker: Broker, fields: list[FormField]) -> None:
        from rich.text import Text

        self.console.print(Text(f"The form {broker.name} is about to get:"))
        for f in fields:
            what = f"your {f.filled_with}" if f.filled_with else "as the page left it"
            self.console.print(Text(f"  {f.name} ({f.kind}): {what}"))

    async def solve_captcha(self, broker: Broker, page: object, *, marked: bool) -> None:
        from rich.text import Text

        message = f"{broker.name} asks for a captcha: solve it in the browser window"
        self.console.print(Text(message, style="bold yellow"))
        if not marked:
            typer.prompt("Press Enter once it is solved", default="", show_default=False, err=True)

    async def confirmation_link(self, broker: Broker) -> str:
        if self.yes:
            return ""
        link: str = typer.prompt(
            f"Paste the confirmation link from {broker.name}'s email (Enter: later)",
            default="",
            show_default=False,
            err=True,
        )
        return link


@app.command("run")
def run_command(
    brokers: Annotated[
        list[str] | None,
        typer.Argument(metavar="[BROKER...]", help="Broker ids (default: all with steps)."),
    ] = None,
    due: Annotated[
        bool,
        typer.Option(
            "--due",
            help="Retry what the ledger says is due (reappeared, failed, needs you) and look "
            "again for confirmation emails still awaited, instead of the latest scan's listings.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Go through the steps, stop before the submit.")
    ] = False,
    show_browser: Annotated[
        bool,
        typer.Option("--show-browser", help="A visible window, so you can solve captchas."),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Send without asking each time.")] = False,
    profile: ProfileOpt = None,
) -> None:
    """Play the opt-out steps of the brokers that list you in the latest scan.

    Exit codes: 0 every run submitted (or stopped before it with --dry-run); 2 usage or input
    error; 3 a run failed, needs you, or could not start."""
    import asyncio
    from datetime import UTC, datetime

    from rich.text import Text

    from lowprofile.brokers.loader import load_brokers
    from lowprofile.cli.common import exit_code_for, fail, stderr_console, stdout_console
    from lowprofile.cli.inputs import require_brokers
    from lowprofile.config import default_profile_path, load_settings
    from lowprofile.errors import EXIT_FAILED, LowprofileError
    from lowprofile.optout.records import RequestLedger
    from lowprofile.optout_steps.mailbox import has_mailbox
    from lowprofile.optout_steps.session import FINE, choose, choose_due, play
    from lowprofile.store import Store
    from lowprofile.subject import load_profile

    console = stdout_console()
    try:
        subject = load_profile(profile or default_profile_path())
        settings = load_settings()
        known = load_brokers().brokers
        require_brokers(brokers or (), known)
        person = subject.person_id
        with RequestLedger(person) as ledger:
            if due:
                now = datetime.now(UTC)
                # Without a mailbox a waiting confirmation needs the person to paste its link.
                mail = has_mailbox(settings) or not yes
                jobs, skipped = choose_due(known, ledger.requests(), now, mail)
                jobs = [j for j in jobs if not brokers or j.broker.id in brokers]
            else:
                with Store() as store:
                    report = store.load(store.resolve("latest", person))
                jobs, skipped = choose(known, report, brokers or [], ledger.requests())
            for skip in skipped:
                stderr_console().print(Text(f"{skip.broker}: skipped, {skip.reason}"))
            problems = [s for s in skipped if s.problem]
            if not jobs:
                where = "is due in the ledger" if due else "lists you in the latest scan"
                console.print(f"No broker with opt-out steps {where}.")
                raise typer.Exit(EXIT_FAILED if problems else 0)
            outcomes = asyncio.run(
                play(
                    jobs,
                    subject,
                    settings,
                    ConsolePerson(present=show_browser, yes=yes),
                    ledger,
                    visible=show_browser,
                    dry_run=dry_run,
                    on_outcome=lambda o: console.print(Text(_outcome_line(o))),
                )
            )
    except LowprofileError as exc:  # bad input (a profile, a broker id, no scan yet) is 2
        fail(exc.for_terminal, exit_code_for(exc))
    if problems or any(o.state not in FINE for o in outcomes):
        raise typer.Exit(EXIT_FAILED)


RUN_WORDS = {
    "submitted": "submitted",
    "dry_run": "dry run: stopped before the submit",
    "declined": "not sent: you declined",
    "needs_you": "needs you",
    "email_pending": "email pending",
    "failed": "failed",
}
"""How ``optout run`` says each way a run can end (``RunState``'s machine values)."""


def _outcome_line(outcome: Outcome) -> str:
    line = f"{outcome.broker}: {RUN_WORDS[outcome.state]} ({outcome.detail}) {outcome.listing}"
    return line + (f"\n  evidence: {outcome.evidence}" if outcome.evidence else "")
