"""Issue 24: ``usernames check`` loads only what a username check uses.

Run as a person runs it (a new process, the browser mode at its default), twice over the same
list: the second run must not load the broker recipe machinery (lxml), Playwright, httpx's own
command-line client (click, pygments), pydantic, the registry, the opt-out rules, or jsonschema
(its list was checked the first time and nothing changed since).
"""

from __future__ import annotations

import gc
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from fixtures.usernames.standin import ACCOUNT, StandIn, standin_sites

NOT_LOADED = (
    "lxml",
    "playwright",
    "jsonschema",
    "jinja2",
    "pygments",
    "click",
    "pydantic",  # typer 0.29 loads it for every parameter (pyproject.toml: the cap)
    "lowprofile.brokers.page",
    "lowprofile.registry",
    "lowprofile.optout.ledger",
    "lowprofile.optout.drafts",
    "lowprofile.cli.optout",  # the console script joins only the group it was asked for
    "lowprofile.cli.registry",
    "lowprofile.cli.init",
    # No probe reads a page in a browser, and a check kept nowhere keeps no evidence: the
    # engine is only loaded for a run that may use it (scan.open_browser).
    "lowprofile.browser.engine",
    "lowprofile.browser.evidence",
    "lowprofile.browser.locate",
    # Nobody has a history or a ledger here yet: whether there is one is asked of config.py's
    # paths, without loading either (pipeline.History).
    "lowprofile.store",
    "lowprofile.db",
    "lowprofile.optout.records",
    "lowprofile.optout.model",
)

NOT_YET_AT_THE_FIRST_REQUEST = ("rich", "lowprofile.report", "lowprofile.plan")
"""What draws and plans the report: loaded while the requests are out (``pipeline``'s
``loading_meanwhile``), never before the first of them."""

RUN = """
import atexit, gc, runpy, socket, sys
listing = sys.argv[1]
first = []
connect = socket.socket.connect
def first_connect(self, *args):
    if not first:
        first.extend(f"first:{name}" for name in sorted(sys.modules))
    return connect(self, *args)
socket.socket.connect = first_connect
def tell():
    with open(listing, "w") as out:
        out.write("\\n".join([*sorted(sys.modules), *first, f"frozen:{gc.get_freeze_count()}"]))
atexit.register(tell)
sys.argv = ["lowprofile", *sys.argv[2:]]
runpy.run_module("lowprofile", run_name="__main__")
"""


@pytest.fixture
def standin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: respx.MockRouter
) -> Iterator[StandIn]:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOWPROFILE_RETRIES", "0")
    monkeypatch.setenv("LOWPROFILE_BROWSER_MODE", "auto")  # the default a person has
    try:
        socket.create_server(("127.0.0.2", 0)).close()
    except OSError as exc:  # macOS routes only 127.0.0.1 unless aliases are added
        pytest.skip(f"cannot listen on 127.0.0.2 for the stand-in sites: {exc}")
    with standin_sites(9, tmp_path) as running:
        yield running


def loaded_by_check(standin: StandIn, tmp_path: Path) -> set[str]:
    """The modules a console run of ``usernames check`` loaded; ``first:M`` for each module
    loaded when it opened its first connection; and ``frozen:N``: how many objects the garbage
    collector had in its permanent generation at the exit."""
    listing = tmp_path / "modules.txt"
    command = [sys.executable, "-c", RUN, str(listing), "usernames", "check", ACCOUNT]
    command += ["--sites", str(standin.path), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 1, done.stderr  # accounts found: the check really ran
    assert json.loads(done.stdout)["results"]  # the whole report, flushed before the exit
    return set(listing.read_text("utf-8").split())


def test_a_usernames_check_loads_only_what_it_uses(standin: StandIn, tmp_path: Path) -> None:
    first = loaded_by_check(standin, tmp_path)
    assert "jsonschema" in first  # a list never seen is checked in full
    again = loaded_by_check(standin, tmp_path)
    loaded = sorted(m for m in again if m.split(".")[0] in {n.split(".")[0] for n in NOT_LOADED})
    unwanted = [m for m in loaded if any(m == n or m.startswith(n + ".") for n in NOT_LOADED)]
    assert unwanted == []


def test_the_report_is_loaded_while_the_requests_are_out(standin: StandIn, tmp_path: Path) -> None:
    loaded = loaded_by_check(standin, tmp_path)
    at_first = {m.removeprefix("first:") for m in loaded if m.startswith("first:")}
    assert "lowprofile.checkers.usernames" in at_first  # the snapshot was taken, in the check
    early = [m for m in sorted(at_first) if m.startswith(NOT_YET_AT_THE_FIRST_REQUEST)]
    assert early == []
    assert {"rich.console", "lowprofile.report.accounts", "lowprofile.plan"} <= loaded


def test_a_console_run_leaves_its_objects_to_the_exit(standin: StandIn, tmp_path: Path) -> None:
    """The interpreter's teardown would collect garbage over every object still alive (70-90 ms
    of a one-site check): the console run hands them to the exit frozen, its report whole."""
    frozen = [m for m in loaded_by_check(standin, tmp_path) if m.startswith("frozen:")]
    assert frozen and int(frozen[0].split(":")[1]) > 10_000


def test_a_command_run_inside_another_process_freezes_nothing() -> None:
    """Tests and scripts run commands in a process that goes on: it is never frozen for them."""
    from lowprofile.cli.common import ONE_COMMAND_PROCESS, freeze_what_is_loaded

    assert not ONE_COMMAND_PROCESS
    before = gc.get_freeze_count()
    freeze_what_is_loaded()
    assert gc.get_freeze_count() == before
