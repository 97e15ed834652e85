"""The unattended run: saves, writes the HTML report, logs masked, notifies, never overlaps."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.schedule import notify as notify_module
from lowprofile.schedule.runner import run_lock, run_scheduled
from lowprofile.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "metadata"))
from photos import jpeg  # noqa: E402


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
        assert len(store.scans()) == 2


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
