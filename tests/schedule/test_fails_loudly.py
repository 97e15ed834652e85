"""A monthly run that reached too little fails loudly (issue 25.2): the job exactly as the
scheduler starts it, with its saved proxy on a closed port of this machine, exits 3, notifies the
person, and ``schedule status`` says the run failed.

Every request of the job goes to that proxy: nothing leaves 127.0.0.1. A photo folder (read on
this machine, it answers whatever the network does) is what made such a run look fine before.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.photos import jpeg
from lowprofile.cli.main import app
from lowprofile.schedule.cron import TAG

runner = CliRunner()


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _job_argv(crontab: Path) -> list[str]:
    """The command of our crontab line: after the five time fields, before the tag."""
    [line] = [x for x in crontab.read_text().splitlines() if x.endswith(TAG)]
    return shlex.split(line.removesuffix(TAG))[5:]


def test_a_run_behind_a_dead_proxy_exits_3_and_says_so(
    fake_tools: dict[str, Path],
    private_dirs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    photos = tmp_path / "Pictures"
    photos.mkdir()
    jpeg(photos / "a.jpg", gps=(48.85, 2.29))
    init = ["init", "--name", "Jane Doe", "--city", "Austin", "--photos", str(photos)]
    assert runner.invoke(app, init).exit_code == 0
    dead = f"http://127.0.0.1:{_closed_port()}"
    for name in ("LOWPROFILE_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)  # saved with the job: every request goes to the dead port
    monkeypatch.setenv("DISPLAY", ":99")  # the stand-in notify-send records what was sent
    installed = runner.invoke(app, ["schedule", "install", "--day", "1"])
    assert installed.exit_code == 0, installed.output

    argv = _job_argv(fake_tools["crontab"])
    assert argv[1:3] == ["schedule", "run"] and "--settings" in argv
    job = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)

    assert job.returncode == 3, job.stderr
    told = fake_tools["notify"].read_text()
    assert told.startswith(
        "lowprofile: the scheduled scan failed|your monthly scan could not reach"
    )
    assert "sites: is your proxy/Tor running?" in told
    status = runner.invoke(app, ["schedule", "status"]).stdout
    last = next(line for line in status.splitlines() if line.startswith("last run: "))
    assert last.startswith("last run: FAILED ") and "(exit 3): failed: your monthly scan" in last
    assert "Jane" not in status and "Austin" not in status
    assert os.environ["LOWPROFILE_PROXY"] == dead  # the job's settings were its own process's
