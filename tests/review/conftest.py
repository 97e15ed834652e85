"""A real display for the headed tests, the five local sites, and the person's latest scan.

The display: the one the session has (``DISPLAY``), else an ``Xvfb`` of the test's own (.ci/run
installs the ``xvfb`` package), else the test skips and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reviewsite import ReviewSite, serve, write_broker

from helpers.sample import listing
from lowprofile.results import CheckResult, ScanReport, Severity, Status
from lowprofile.store import Store
from lowprofile.subject import Address, Name, Subject

SUBJECT = Subject(
    names=(Name.parse("Jane Doe"),),
    emails=("jane@example.org",),
    addresses=(Address(city="Austin", state="TX"),),
    birth_year=1985,
)
PROFILE = """names = [{ first = "Jane", last = "Doe" }]
emails = ["jane@example.org"]
birth_year = 1985
addresses = [{ city = "Austin", state = "TX" }]
"""


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A display for a headed browser: the session's, or an Xvfb started for the tests."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        reason = "no display and no Xvfb (.ci/run installs the xvfb package)"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    number = f":{90 + os.getpid() % 400}"
    server = subprocess.Popen(  # noqa: S603 - our own Xvfb, no shell
        [xvfb, number, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number[1:]}")  # noqa: S108 - where X puts its socket
    for _ in range(100):
        if socket.exists() or server.poll() is not None:
            break
        time.sleep(0.05)
    if server.poll() is not None:
        pytest.skip(f"Xvfb {number} did not start")
    try:
        yield number
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def headed(display: str, chromium: None, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DISPLAY", display)
    return display


@pytest.fixture
def review_site(
    private_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReviewSite]:
    """The local sites as broker files (the shipped ones point at the internet), and the
    person's profile."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    (private_dirs["config"]).mkdir(parents=True, exist_ok=True)
    (private_dirs["config"] / "profile.toml").write_text(PROFILE, "utf-8")
    with serve() as site:
        folder = private_dirs["config"] / "brokers"
        write_broker(folder, "gated", site.base, "gated")
        write_broker(folder, "handsite", site.base, "manual", manual=True)
        write_broker(folder, "formsite", site.base, "open", steps=True)
        write_broker(folder, "deadsite", site.dead_base, "manual", manual=True)
        write_broker(folder, "othersite", site.base, "manual", manual=True)
        yield site


def save_scan(site: ReviewSite, *more: CheckResult) -> None:
    """The latest scan: the challenge site blocked, two sites manual, a listing found on the
    opt-out site (whose form has a captcha)."""
    found = replace(
        listing("formsite", "Local", ("name", "address"), Severity.HIGH), where=site.listing
    )
    query = "?name=Jane-Doe&where=Austin-TX"
    results = [
        CheckResult(
            "brokers", "gated", Status.BLOCKED, detail="a bot wall",
            url=f"{site.base}/gated/search{query}", source="gated",
        ),
        CheckResult(
            "brokers", "handsite", Status.MANUAL, url=f"{site.base}/manual/search{query}",
            source="handsite",
        ),
        CheckResult("brokers", "formsite", Status.FOUND, (found,), source="formsite"),
        CheckResult(
            "brokers", "deadsite", Status.MANUAL, url=f"{site.dead_base}/manual/search{query}",
            source="deadsite",
        ),
        *more,
    ]
    now = datetime.now(UTC)
    report = ScanReport(
        subject=SUBJECT.masked(), started=now, finished=now, checkers=["brokers"], results=results
    )
    with Store() as store:
        store.save(report, SUBJECT.person_id)


class Keys:
    """The person's terminal: lines to answer with, in order (then the end of input), and
    everything said and asked."""

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)
        self.said: list[str] = []
        self.asked: list[str] = []

    def say(self, line: str) -> None:
        self.said.append(line)

    async def ask(self, prompt: str) -> str | None:
        self.asked.append(prompt)
        return self.lines.pop(0) if self.lines else None
