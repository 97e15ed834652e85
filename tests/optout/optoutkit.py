"""What the opt-out tests share: the local broker's id, the person scanned, a person who
approves and ticks the captcha, the broker file loaded, and a latest scan that found the
site's Austin listing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from optoutsite import OptOutSite, write_broker

from helpers.sample import listing
from lowprofile.brokers.schema import Broker, check_broker_file
from lowprofile.optout_steps.runner import FormField
from lowprofile.optout_steps.values import Asked
from lowprofile.results import CheckResult, ScanReport, Severity, Status
from lowprofile.store import Store
from lowprofile.subject import Address, Name, Subject

BROKER = "localoptout"
SUBJECT = Subject(
    names=(Name.parse("Jane Doe"),),
    emails=("jane@example.org",),
    phones=("512-555-0142",),
    addresses=(Address(city="Austin", state="TX"),),
)


class FakePerson:
    """Approves, records what it was shown, and ticks the checkbox when asked (a person at a
    captcha, simulated in the page itself)."""

    def __init__(self, present: bool = True, link: str = "") -> None:
        self.present = present
        self.link = link
        self.approvals: list[list[Asked]] = []
        self.forms: list[list[FormField]] = []
        self.captchas = 0

    def approve(self, broker: Broker, asks: list[Asked]) -> bool:
        self.approvals.append(asks)
        return True

    def show_form(self, broker: Broker, fields: list[FormField]) -> None:
        self.forms.append(fields)

    async def solve_captcha(self, broker: Broker, page: Any, *, marked: bool) -> None:
        self.captchas += 1
        await page.check("#human")

    async def confirmation_link(self, broker: Broker) -> str:
        return self.link


def load_broker(folder: Path, site: OptOutSite, form: str = "#control") -> Broker:
    broker, problems = check_broker_file(write_broker(folder, BROKER, site.base, form))
    assert broker is not None, problems
    return broker


def save_scan(where: str) -> None:
    """A latest scan in the history that found ``where`` on the local broker."""
    found = replace(listing(BROKER, "Local", ("name", "address"), Severity.HIGH), where=where)
    now = datetime.now(UTC)
    report = ScanReport(
        subject=SUBJECT.masked(),
        started=now,
        finished=now,
        checkers=["brokers"],
        results=[CheckResult("brokers", BROKER, Status.FOUND, (found,), source=BROKER)],
    )
    with Store() as store:
        store.save(report, SUBJECT.person_id)


PROFILE = """names = [{ first = "Jane", last = "Doe" }]
emails = ["jane@example.org"]
addresses = [{ city = "Austin", state = "TX" }]
"""


def write_profile(config: Path) -> Path:
    path = config / "profile.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PROFILE, "utf-8")
    return path


def lowprofile(*args: str) -> tuple[int, str, str]:
    """One command, as the person types it: exit code, stdout, stderr."""
    from typer.testing import CliRunner

    from lowprofile.cli.main import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def scan(broker: str) -> None:
    """``lowprofile scan`` of that one local site (nothing else is searched)."""
    code, out, err = lowprofile("scan", "--only", "brokers", "--site", broker, "--browser", "never")
    assert code in (0, 1), out + err  # 1: the listing is a high finding


def ledger() -> list[dict[str, Any]]:
    """``optout status --json``: each request with its events."""
    code, out, err = lowprofile("optout", "status", "--json")
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows
