"""Issue 23, defect 3: a page whose script never yields cannot freeze the scan.

``scan --browser always`` runs in a child process (a hang must fail the test, not freeze it)
against two local recipes: one whose page busy-loops and a plain one. The stuck site reads
``error``, the other is still found, the JSON and the history are written, and the whole scan
ends within the request deadline plus 30 s. The scan's fence is also seen in its evidence: a
recipe page that pulls another local port opens 0 connections there and its manifest counts the
refusals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx
from fencesite import FenceSite, serve
from localsite import write_recipe

from helpers.listener import CountingListener, counting_listener
from lowprofile.store import Store

TIMEOUTS = {"LOWPROFILE_CONNECT_TIMEOUT": "5", "LOWPROFILE_READ_TIMEOUT": "5"}
REQUEST_DEADLINE = 10.0
"""Connect plus read timeout above: the deadline of one page."""
SUBJECT = ["--name", "Jane Doe", "--city", "Austin", "--state", "TX"]


@pytest.fixture
def fence_site(
    chromium: None,
    no_network: respx.MockRouter,
    private_dirs: dict[str, Path],
    tmp_path: Path,
) -> Iterator[FenceSite]:
    """The site, with only user recipes loaded (the shipped ones point at the internet)."""
    (tmp_path / "no-shipped-brokers").mkdir()
    with serve() as site:
        yield site


def run_scan(tmp_path: Path, private_dirs: dict[str, Path]) -> tuple[float, dict[str, dict]]:
    """``lowprofile scan --browser always`` in a child process; its time and results."""
    out = tmp_path / "report.json"
    code = (
        "import sys; from pathlib import Path; import lowprofile.brokers.loader as l;"
        f"l.shipped_brokers_dir = lambda: Path({str(tmp_path / 'no-shipped-brokers')!r});"
        "from lowprofile.cli.main import app; sys.exit(app())"
    )
    args = ["scan", *SUBJECT, "--only", "brokers", "--browser", "always", "--json", str(out)]
    env = {**os.environ, **TIMEOUTS, "LOWPROFILE_ALLOW_LOOPBACK": "1"}
    env["LOWPROFILE_BROWSER_MODE"] = "always"
    run = f"LOWPROFILE_TEST_RUN={uuid.uuid4().hex}"  # inherited by the child's browser alone
    env["LOWPROFILE_TEST_RUN"] = run.split("=", 1)[1]
    started = time.monotonic()
    child = subprocess.Popen(  # its own session: a hang is killed with its browser
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = child.communicate(timeout=REQUEST_DEADLINE + 60)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        raise
    took = time.monotonic() - started
    assert out.exists(), stderr[-2000:]
    assert not _left_running(run), "the scan left a browser running"
    report = json.loads(out.read_text())
    return took, {r["source"]: r for r in report["results"] if r.get("source")}


def _left_running(run: str, grace: float = 5.0) -> list[str]:
    """This run's engine processes (``run`` in their environment: other tests' and other
    checkouts' browsers on this machine are not ours) still there after ``grace`` seconds (a
    browser's children take a moment to exit after the scan's own process)."""
    ends = time.monotonic() + grace
    while True:
        left = [pid for pid in _engine_processes() if _has_in_environment(pid, run)]
        if not left or time.monotonic() >= ends:
            return left
        time.sleep(0.2)


def _has_in_environment(pid: str, entry: str) -> bool:
    try:
        return entry.encode() in (Path("/proc") / pid / "environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _engine_processes() -> list[str]:
    """Processes whose command line holds the engine's marker (Linux; elsewhere none seen)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"--lowprofile-engine=" in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            continue
    return found


@pytest.mark.browser
@pytest.mark.parametrize("path", ["stuck", "stuck-late"])
def test_a_page_that_never_yields_is_an_error_and_the_scan_delivers(
    path: str, fence_site: FenceSite, private_dirs: dict[str, Path], tmp_path: Path
) -> None:
    folder = private_dirs["config"] / "brokers"
    write_recipe(folder, "stucksite", fence_site.base, path)
    write_recipe(folder, "finesite", fence_site.base, "card")
    took, results = run_scan(tmp_path, private_dirs)
    stuck = results["stucksite"]
    if path == "stuck" and stuck["status"] == "found":  # read in the 500 ms before the loop
        pass
    else:
        assert stuck["status"] == "error", stuck
        assert "stopped answering" in json.dumps(stuck), stuck
    assert results["finesite"]["status"] == "found", results["finesite"]
    assert took < REQUEST_DEADLINE + 30, took
    print(f"{path}: the scan took {took:.1f} s")
    with Store() as store:
        assert len(store.scans(None)) == 1


@pytest.fixture
def other() -> Iterator[CountingListener]:
    with counting_listener() as listener:
        yield listener


@pytest.mark.browser
def test_a_scans_evidence_counts_what_the_fence_refused(
    fence_site: FenceSite,
    other: CountingListener,
    private_dirs: dict[str, Path],
    tmp_path: Path,
) -> None:
    folder = private_dirs["config"] / "brokers"
    write_recipe(
        folder, "pullsite", fence_site.base, f"pull?other=http://127.0.0.1:{other.port}&x="
    )
    _, results = run_scan(tmp_path, private_dirs)
    assert results["pullsite"]["status"] == "found", results["pullsite"]
    assert other.accepted == 0
    manifests = list((private_dirs["data"] / "evidence").glob("*/pullsite/manifest.json"))
    assert len(manifests) == 1
    page = json.loads(manifests[0].read_text())["pages"][0]
    assert page["blocked_requests"] >= 5
