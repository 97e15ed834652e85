"""The unattended run: saves, writes the HTML report, logs masked, notifies, never overlaps."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.photos import jpeg
from lowprofile.cli.main import app
from lowprofile.schedule import notify as notify_module
from lowprofile.schedule.lock import run_lock
from lowprofile.schedule.runner import run_scheduled
from lowprofile.store import Store


def test_scheduled_run(
    tmp_path: Path, private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = tmp_path / "Pictures"
    photos.mkdir()
    jpeg(photos / "a.jpg")
    runner = CliRunner()
    runner.invoke(app, ["init", "--name", "Jane Doe", "--city", "Austin", "--photos", str(photos)])
    profile = private_dirs["config"] / "profile.toml"
    monkeypatch.setenv("LOWPROFILE_NO_KEYRING", "1")
    sent: list[str] = []
    monkeypatch.setattr(notify_module, "notify", lambda title, message, s: sent.append(title) or [])
    from lowprofile.checkers import base

    monkeypatch.setattr(base, "BUILTIN_CHECKERS", {"photos": base.BUILTIN_CHECKERS["photos"]})
    day = datetime(2026, 12, 1, tzinfo=UTC)
    run_scheduled(profile, now=day)
    jpeg(photos / "b.jpg", gps=(48.85, 2.29))
    run_scheduled(profile, now=day)
    data = private_dirs["data"]
    assert (data / "reports" / "2026-12-01.html").exists()
    log = (data / "logs" / "2026-12-01.log").read_text()
    assert "diff: 1 new" in log
    assert "Jane" not in log and "Austin" not in log
    assert oct((data / "logs" / "2026-12-01.log").stat().st_mode & 0o777) == "0o600"
    assert sent == ["lowprofile: 1 new exposure(s)"]
    with Store() as store:
        assert len(store.scans(None)) == 2


@pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs os.fork to hold the lock in two processes"
)
def test_overlapping_runs_are_skipped(private_dirs: dict[str, Path], tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('names = ["Jane Doe"]\n')
    with run_lock(private_dirs["data"] / "schedule.lock"):
        pid = os.fork()
        if pid == 0:  # a second process tries while the first holds the lock
            os._exit(run_scheduled(profile) + 10)
        _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 10  # exit 0: skipped, nothing scanned


def _only(monkeypatch: pytest.MonkeyPatch, *checkers: str) -> None:
    from lowprofile.checkers import base

    chosen = {name: base.BUILTIN_CHECKERS[name] for name in checkers}
    monkeypatch.setattr(base, "BUILTIN_CHECKERS", chosen)


def test_a_run_that_reached_nothing_says_so(
    tmp_path: Path, private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, no_network
) -> None:
    import httpx

    no_network.route().mock(side_effect=httpx.ConnectError("network is unreachable"))
    profile = tmp_path / "p.toml"
    profile.write_text('names = ["Jane Doe"]\nemails = ["jane@example.com"]\n')
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(notify_module, "notify", lambda t, m, s: sent.append((t, m)) or [])
    _only(monkeypatch, "xposedornot")
    assert run_scheduled(profile) == 3
    assert sent == [
        (
            "lowprofile: the scheduled scan failed",
            "your scheduled scan could not reach 1 of 1 sites: is this machine online? "
            "(scan 1 saved: 0 finding(s))",
        )
    ]


def test_new_exposures_are_counted_against_the_same_person(
    tmp_path: Path, private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan of someone else made by hand in between is not the baseline."""
    photos = tmp_path / "Pictures"
    photos.mkdir()
    jpeg(photos / "a.jpg", gps=(48.85, 2.29))
    jane, john = tmp_path / "jane.toml", tmp_path / "john.toml"
    jane.write_text(f'names = ["Jane Doe"]\nphoto_dirs = ["{photos}"]\n')
    john.write_text('names = ["John Roe"]\nphoto_dirs = []\n')
    sent: list[str] = []
    monkeypatch.setattr(notify_module, "notify", lambda t, m, s: sent.append(t) or [])
    _only(monkeypatch, "photos")
    run_scheduled(jane)
    CliRunner().invoke(app, ["scan", "--profile", str(john), "--only", "photos", "--quiet"])
    run_scheduled(jane)
    assert sent == []  # Jane's second scan is compared with Jane's first: nothing new
    log = next((private_dirs["data"] / "logs").glob("*.log")).read_text()
    assert "diff: 0 new" in log


def test_install_keeps_the_settings_and_the_job_runs_with_them(
    tmp_path: Path, private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from lowprofile.schedule.saved import apply_saved_settings

    crontab = tmp_path / "crontab.txt"
    crontab.write_text("")
    fake = tmp_path / "crontab"
    fake.write_text(
        f'#!/bin/sh\nif [ "$1" = "-l" ]; then cat {crontab} 2>/dev/null; else cat > {crontab}; fi\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("LOWPROFILE_SCHEDULER", "cron")
    monkeypatch.setenv("LOWPROFILE_PROXY", "socks5://127.0.0.1:9050")
    profile = tmp_path / "p.toml"
    profile.write_text('names = ["Jane Doe"]\n')
    result = CliRunner().invoke(app, ["schedule", "install", "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    line = crontab.read_text()
    assert "--settings" in line and "socks5" not in line  # settings live in a private file
    saved = private_dirs["config"] / "schedule-settings.json"
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    kept = json.loads(saved.read_text())
    assert kept["LOWPROFILE_PROXY"] == "socks5://127.0.0.1:9050"
    assert kept["LOWPROFILE_DATA_DIR"] == str(private_dirs["data"])
    for name in kept:  # so the test's environment is restored afterwards
        monkeypatch.setenv(name, "/nowhere")
    apply_saved_settings(saved)  # what `schedule run --settings FILE` does first
    assert os.environ["LOWPROFILE_PROXY"] == "socks5://127.0.0.1:9050"
    assert os.environ["LOWPROFILE_DATA_DIR"] == str(private_dirs["data"])
