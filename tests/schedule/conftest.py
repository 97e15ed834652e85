"""Stand-ins for the scheduler's tools: a ``crontab`` and a ``notify-send`` on PATH that write to
files of the test's own, so the real crontab and desktop are left alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app

FAKE_CRONTAB = """#!/bin/sh
# A stand-in for crontab(1): the table lives in $FAKE_CRONTAB_FILE.
if [ -n "$FAKE_CRONTAB_FAIL" ] && [ "$1" = "-" ]; then
    echo "crontab: cannot write: permission denied" >&2; exit 1
fi
case "$1" in
  -l) [ -f "$FAKE_CRONTAB_FILE" ] || { echo "no crontab for tester" >&2; exit 1; }
      cat "$FAKE_CRONTAB_FILE" ;;
  -) cat > "$FAKE_CRONTAB_FILE" ;;
  -r) rm -f "$FAKE_CRONTAB_FILE" ;;
esac
"""
FAKE_NOTIFY = """#!/bin/sh
printf '%s|%s\\n' "$1" "$2" >> "$FAKE_NOTIFY_FILE"
"""


def _tool(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _tool(bin_dir, "crontab", FAKE_CRONTAB)
    _tool(bin_dir, "notify-send", FAKE_NOTIFY)
    files = {"crontab": tmp_path / "crontab.txt", "notify": tmp_path / "notified.txt"}
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CRONTAB_FILE", str(files["crontab"]))
    monkeypatch.setenv("FAKE_NOTIFY_FILE", str(files["notify"]))
    monkeypatch.setenv("LOWPROFILE_SCHEDULER", "cron")
    return files


@pytest.fixture
def profile(private_dirs: dict[str, Path]) -> Path:
    init = CliRunner().invoke(app, ["init", "--name", "Jane Doe", "--city", "Austin"])
    assert init.exit_code == 0, init.output
    return private_dirs["config"] / "profile.toml"
