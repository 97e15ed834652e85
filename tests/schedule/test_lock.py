"""The schedule lock is released whatever happens (issue 23.3): a run that never ends is stopped
at its deadline, a run skipped for a held lock tells the person, a lock held longer than any run
may last is a failure naming its holder, and a lock left by a dead process is taken over."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.schedule import lock
from lowprofile.schedule import notify as notify_module
from lowprofile.schedule.lock import run_lock
from lowprofile.schedule.runner import run_scheduled

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs os.fork to run a scheduled run in its own process"
)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(notify_module, "notify", lambda t, m, s: sent.append((t, m)) or [])
    return sent


def _lock_path(private_dirs: dict[str, Path]) -> Path:
    return private_dirs["data"] / "schedule.lock"


def test_a_run_skipped_for_a_running_one_tells_the_person(
    profile: Path, private_dirs: dict[str, Path], told: list[tuple[str, str]]
) -> None:
    with run_lock(_lock_path(private_dirs), NOW - timedelta(minutes=20)):
        assert run_scheduled(profile, now=NOW) == 0
    assert len(told) == 1
    title, message = told[0]
    assert title == "lowprofile: a scheduled scan was skipped"
    assert f"process {os.getpid()}, started 2026-12-01 08:40 UTC holds" in message


def test_a_lock_held_longer_than_a_run_can_take_is_a_failure(
    fake_tools: dict[str, Path],
    profile: Path,
    private_dirs: dict[str, Path],
    told: list[tuple[str, str]],
) -> None:
    with run_lock(_lock_path(private_dirs), NOW - lock.STALE_AFTER - timedelta(hours=1)):
        assert run_scheduled(profile, now=NOW) == 3
    [(title, message)] = told
    assert title == "lowprofile: the scheduled scan failed"
    assert (
        f"has for 7 h, longer than a run may take: it is stuck; end it (`kill {os.getpid()}`)"
        in (message)
    )
    status = CliRunner().invoke(app, ["schedule", "status"]).stdout
    assert "last run: FAILED " in status and "(exit 3): failed: process" in status


def test_a_lock_left_by_a_dead_process_is_taken_over(
    profile: Path, private_dirs: dict[str, Path], told: list[tuple[str, str]]
) -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)  # that PID is gone now
    path = _lock_path(private_dirs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "started": "2026-11-01T09:00:00+00:00"}))
    with run_lock(path, NOW):
        assert json.loads(path.read_text()) == {"pid": os.getpid(), "started": NOW.isoformat()}


def test_a_run_that_never_ends_is_stopped_and_releases_the_lock(
    fake_tools: dict[str, Path],
    profile: Path,
    private_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lowprofile import pipeline

    monkeypatch.setenv("DISPLAY", ":99")  # the stand-in notify-send records what was sent
    monkeypatch.setattr(lock, "RUN_DEADLINE", timedelta(seconds=1))
    monkeypatch.setattr(pipeline, "run_pipeline", lambda *a, **k: time.sleep(30))
    began = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the stuck run, in a process of its own as under cron
        try:
            os._exit(10 + run_scheduled(profile))
        finally:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 3
    assert time.monotonic() - began < 20
    with run_lock(_lock_path(private_dirs)):  # free again
        pass
    assert (
        fake_tools["notify"]
        .read_text()
        .startswith(
            "lowprofile: the scheduled scan failed|stopped after 1 s: a site or the mailbox never"
        )
    )
    status_text = CliRunner().invoke(app, ["schedule", "status"]).stdout
    assert "(exit 3): failed: stopped after" in status_text
