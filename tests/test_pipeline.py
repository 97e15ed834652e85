"""The one pipeline: what it adds to every scan's plan, and what it never creates."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import respx

from helpers.records import PERSON
from helpers.sample import sample_report
from lowprofile import config, pipeline
from lowprofile.brokers.loader import load_brokers
from lowprofile.checkers.base import ScanOptions, select_checkers
from lowprofile.config import load_settings
from lowprofile.db import Database
from lowprofile.optout.model import HandCheck
from lowprofile.optout.records import RequestLedger, ledger_db_path
from lowprofile.pipeline import History, Outputs, add_registry_tasks
from lowprofile.results import ScanReport, Status
from lowprofile.scan import run_scan
from lowprofile.store import history_path
from lowprofile.subject import Address, Name, Subject
from lowprofile.usernames.sites import shipped_data_dir


def test_registered_brokers_join_the_plan_without_a_ledger_being_made(
    private_dirs: dict[str, Path],
) -> None:
    report = sample_report("TX")
    before = [a.id for a in report.plan]
    add_registry_tasks(report, History(PERSON))
    ids = [a.id for a in report.plan]
    assert "registry-requests" in ids and set(before) <= set(ids)
    assert report.plan[-1].kind == "emergency"  # the emergency steps stay last
    task = next(a for a in report.plan if a.id == "registry-requests")
    assert task.command == "lowprofile optout requests --send" and len(task.covers) <= 26
    assert not (private_dirs["data"] / "registry").exists()  # a scan creates no ledger


SITE_LIST = {
    "license": json.loads((shipped_data_dir() / "wmn-data.json").read_text("utf-8"))["license"],
    "authors": ["test"],
    "categories": ["social"],
    "sites": [
        {
            "name": "Example",
            "uri_check": "https://example.social/u/{account}",
            "e_code": 200,
            "e_string": 'class="profile"',
            "m_code": 404,
            "m_string": "No such user",
            "known": ["known1"],
            "cat": "social",
        }
    ],
}


def test_no_checker_opens_the_history_or_reads_the_config(
    private_dirs: dict[str, Path], no_network: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: the pipeline opens the history once and reads the settings before the scan;
    while the checkers run, any open of the history or read of config.toml is recorded (and
    refused), so a checker that reaches for either fails this test. The person's hand check
    and the site list named in the settings still reach the checkers, through their context."""
    manual = next(b for b in load_brokers().brokers.values() if not b.automatic)
    subject = Subject(
        names=(Name("Jane", "Doe"),), addresses=(Address("Austin", "TX"),), usernames=("janedoe",)
    )
    with RequestLedger(subject.person_id) as ledger:
        ledger.add_hand_check(HandCheck(manual.id, True, date.today(), "https://example.test/me"))
    sites_file = private_dirs["config"] / "sites.json"
    sites_file.parent.mkdir(parents=True, exist_ok=True)
    sites_file.write_text(json.dumps(SITE_LIST), encoding="utf-8")
    no_network.get(url__regex=r"https://example\.social/u/.+").respond(404, text="No such user")

    phase = {"checkers": False}
    offences: list[str] = []
    opens: list[str] = []
    real_open, real_settings_path = Database.open, config.settings_path

    def open_database(self: Database) -> sqlite3.Connection:
        opens.append(str(self.path))
        if phase["checkers"]:
            offences.append(f"opened {self.path}")
            raise AssertionError("a checker opened a database")
        return real_open(self)

    def settings_path() -> Path:
        if phase["checkers"]:
            offences.append("read the config file")
            raise AssertionError("a checker read the config file")
        return real_settings_path()

    async def checker_phase(*args: Any, **kwargs: Any) -> ScanReport:
        phase["checkers"] = True
        try:
            return await run_scan(*args, **kwargs)
        finally:
            phase["checkers"] = False

    monkeypatch.setattr(Database, "open", open_database)
    monkeypatch.setattr(config, "settings_path", settings_path)
    monkeypatch.setattr(pipeline, "run_scan", checker_phase)

    settings = load_settings().with_overrides(username_sites=str(sites_file))
    specs, _ = select_checkers(["brokers", "usernames"])
    outcome = pipeline.run_pipeline(
        subject, specs, settings, Outputs(), options=ScanOptions(sites=(manual.id,))
    )

    assert offences == []
    # each once: the ledger for the hand checks and the moves, the history for the save
    assert opens == [str(ledger_db_path()), str(history_path())]
    by_source = {r.source: r for r in outcome.report.results}
    assert by_source[manual.id].status is Status.FOUND  # the hand check, via the context
    assert "checked by hand" in by_source[manual.id].detail
    assert by_source["Example"].status is Status.NOT_FOUND  # the site list the settings name
    assert outcome.scan_id is not None


def test_the_scan_core_reads_no_environment() -> None:
    """The environment is read in ``config`` only: the pipeline, the scan and the checkers get
    what they need as settings (``browser_mode``, ``username_sites``…) or options."""
    source = Path(pipeline.__file__).parent
    files = [
        source / "pipeline.py",
        source / "scan.py",
        *sorted((source / "checkers").rglob("*.py")),
    ]
    readers = [
        f"{path.relative_to(source)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"\bos\.environ\b|\bgetenv\(", line)
    ]
    assert readers == []


@pytest.fixture
def later_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module nobody has imported, gone from ``sys.modules`` again after the test."""
    (tmp_path / "after_the_scan_probe.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "after_the_scan_probe", raising=False)
    yield "after_the_scan_probe"
    sys.modules.pop("after_the_scan_probe", None)


def test_what_comes_after_the_scan_is_loaded_while_it_waits(
    later_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "LOAD_AFTER", 0.01)
    seen: list[bool] = []

    async def scan() -> str:
        seen.append(later_module in sys.modules)
        await asyncio.sleep(0.1)  # waiting for answers
        seen.append(later_module in sys.modules)
        return "report"

    assert asyncio.run(pipeline.loading_meanwhile(scan(), [later_module])) == "report"
    assert seen == [False, True]


def test_a_scan_done_sooner_leaves_the_loading_to_where_it_is_used(
    later_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "LOAD_AFTER", 0.05)

    async def scan() -> str:
        return "report"

    async def then_wait() -> str:
        done = await pipeline.loading_meanwhile(scan(), [later_module])
        await asyncio.sleep(0.1)  # past the moment it would have been loaded
        return done

    assert asyncio.run(then_wait()) == "report"
    assert later_module not in sys.modules


def test_a_module_that_fails_as_it_loads_makes_no_noise_during_the_scan(
    later_module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading ahead is only a head start: a module that raises as it is imported (not only
    ImportError) is left to fail where it is used, not printed as an event loop traceback in
    the middle of the scan's progress, nor does it stop the modules after it."""
    (tmp_path / "broken_after_scan_probe.py").write_text("raise RuntimeError('x')\n", "utf-8")
    monkeypatch.delitem(sys.modules, "broken_after_scan_probe", raising=False)
    monkeypatch.setattr(pipeline, "LOAD_AFTER", 0.01)
    noise: list[dict[str, Any]] = []

    async def scan() -> str:
        asyncio.get_running_loop().set_exception_handler(lambda _, context: noise.append(context))
        await asyncio.sleep(0.1)
        return "report"

    modules = ["broken_after_scan_probe", later_module]
    assert asyncio.run(pipeline.loading_meanwhile(scan(), modules)) == "report"
    assert noise == []
    assert later_module in sys.modules
    assert "broken_after_scan_probe" not in sys.modules
