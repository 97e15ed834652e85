"""``schedule install`` input errors, ``schedule status`` (next and last run) and ``schedule test``,
against a stand-in ``crontab`` and ``notify-send`` on PATH (the real crontab is left alone)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.schedule.status import When

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--day", "31"], "--day must be 1 to 28"),
        (["--weekly", "--day", "7"], "--day must be 0 (Sunday) to 6"),
        (["--time", "25:00"], "--time must be HH:MM"),
        (["--time", "nine"], "--time 'nine' is not HH:MM"),
        (["--time", "9:00:00"], "is not HH:MM"),
    ],
)
def test_a_day_or_time_that_cannot_be_is_an_input_error(
    args: list[str], says: str, fake_tools: dict[str, Path], profile: Path,
    private_dirs: dict[str, Path],
) -> None:  # fmt: skip
    result = runner.invoke(app, ["schedule", "install", *args])
    assert result.exit_code == 2, result.output
    assert says in result.stderr
    assert not fake_tools["crontab"].exists()  # nothing installed
    assert not (private_dirs["config"] / "schedule-settings.json").exists()  # nothing written


def test_a_crontab_that_refuses_is_a_failure(
    fake_tools: dict[str, Path], profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CRONTAB_FAIL", "1")
    result = runner.invoke(app, ["schedule", "install", "--day", "5"])
    assert result.exit_code == 3
    assert "permission denied" in result.stderr


@pytest.mark.parametrize(
    ("when", "now", "expected"),
    [
        (When("monthly", 5, 7, 45), datetime(2026, 11, 27, 12, 0), datetime(2026, 12, 5, 7, 45)),
        (When("monthly", 27, 13, 0), datetime(2026, 11, 27, 12, 0), datetime(2026, 11, 27, 13)),
        (When("monthly", 27, 12, 0), datetime(2026, 11, 27, 12, 0), datetime(2026, 12, 27, 12)),
        (When("monthly", 1, 9, 0), datetime(2026, 12, 15, 9, 0), datetime(2027, 1, 1, 9, 0)),
        # 2026-11-27 is a Friday; weekday 1 is Monday, 5 Friday, 0 Sunday.
        (When("weekly", 1, 18, 5), datetime(2026, 11, 27, 12, 0), datetime(2026, 11, 30, 18, 5)),
        (When("weekly", 5, 18, 0), datetime(2026, 11, 27, 12, 0), datetime(2026, 11, 27, 18, 0)),
        (When("weekly", 5, 9, 0), datetime(2026, 11, 27, 12, 0), datetime(2026, 12, 4, 9, 0)),
        (When("weekly", 0, 9, 0), datetime(2026, 11, 27, 12, 0), datetime(2026, 11, 29, 9, 0)),
    ],
)
def test_next_run(when: When, now: datetime, expected: datetime) -> None:
    assert when.next_after(now) == expected


def test_status_shows_the_next_and_last_run(
    fake_tools: dict[str, Path], profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.checkers import base
    from lowprofile.schedule import notify as notify_module
    from lowprofile.schedule.runner import run_scheduled

    assert runner.invoke(app, ["schedule", "status"]).stdout.splitlines() == [
        "cron: no schedule installed",
        "last run: never",
    ]
    installed = runner.invoke(app, ["schedule", "install", "--weekly", "--day", "1"])
    assert installed.exit_code == 0, installed.stderr
    status = runner.invoke(app, ["schedule", "status"]).stdout
    assert "schedule run --profile" in status
    assert "(weekly, on Monday at 09:00)" in status
    next_line = next(line for line in status.splitlines() if line.startswith("next run: "))
    upcoming = datetime.strptime(next_line[10:26], "%Y-%m-%d %H:%M")
    assert upcoming.weekday() == 0 and upcoming > datetime.now()

    monkeypatch.setattr(base, "BUILTIN_CHECKERS", {"photos": base.BUILTIN_CHECKERS["photos"]})
    monkeypatch.setattr(notify_module, "notify", lambda *a: [])
    assert run_scheduled(profile, now=datetime(2026, 12, 1, tzinfo=UTC)) == 0
    status = runner.invoke(app, ["schedule", "status"]).stdout
    last = next(line for line in status.splitlines() if line.startswith("last run: "))
    assert "(exit 0): scan 1 saved: 0 finding(s)" in last
    assert run_scheduled(profile, now=datetime(2026, 12, 1, tzinfo=UTC)) == 0
    status = runner.invoke(app, ["schedule", "status"]).stdout
    assert "scan 2 saved: 0 finding(s), 0 new, 0 resolved" in status

    assert runner.invoke(app, ["schedule", "remove"]).exit_code == 0
    assert "next run" not in runner.invoke(app, ["schedule", "status"]).stdout


def test_status_of_a_failed_run_is_masked(
    fake_tools: dict[str, Path], private_dirs: dict[str, Path], tmp_path: Path
) -> None:
    from lowprofile.schedule.runner import run_scheduled

    bad = tmp_path / "bad.toml"
    bad.write_text('names = ["Jane Doe"]\nemails = ["nobody-at-example"]\n')
    assert run_scheduled(bad) == 2
    status = runner.invoke(app, ["schedule", "status"]).stdout
    assert "(exit 2): failed:" in status and "is not an email address" in status
    assert "nobody" not in status
    assert oct((private_dirs["data"] / "schedule-last-run.json").stat().st_mode & 0o777) == "0o600"


def test_schedule_test_sends_through_the_desktop(
    fake_tools: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":99")
    result = runner.invoke(app, ["schedule", "test"])
    assert result.exit_code == 0, result.output
    assert "sent by: notify-send, console" in result.stdout
    assert fake_tools["notify"].read_text().startswith("lowprofile: test notification|")


def test_schedule_test_says_when_email_fails(
    fake_tools: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port on loopback that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("LOWPROFILE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LOWPROFILE_SMTP_PORT", str(port))
    monkeypatch.setenv("LOWPROFILE_SMTP_TO", "me@example.com")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    result = runner.invoke(app, ["schedule", "test"])
    assert result.exit_code == 3
    assert "the test email to me@example.com could not be sent" in result.stderr
    assert "sent by: console" in result.stdout


def _processes(proc: Path, *names: str) -> None:
    """A stand-in /proc with one process per name."""
    (proc / "self").mkdir(parents=True, exist_ok=True)
    for pid, name in enumerate(names, start=100):
        (proc / str(pid)).mkdir(exist_ok=True)
        (proc / str(pid) / "comm").write_text(f"{name}\n")


def test_status_says_whether_cron_runs_and_the_profile_loads(
    fake_tools: dict[str, Path], profile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.schedule import cron

    proc = tmp_path / "proc"
    _processes(proc, "systemd", "bash")
    monkeypatch.setattr(cron, "PROC", proc)
    assert runner.invoke(app, ["schedule", "install"]).exit_code == 0
    lines = runner.invoke(app, ["schedule", "status"]).stdout.splitlines()
    assert "scheduler: NO cron daemon is running, so the job will not start" in lines[2]
    assert lines[3] == f"profile: {profile} loads"

    _processes(proc, "systemd", "bash", "cron")
    profile.write_text('names = ["Jane Doe"\n')  # damaged after install
    lines = runner.invoke(app, ["schedule", "status"]).stdout.splitlines()
    assert lines[2] == "scheduler: a cron daemon is running"
    assert lines[3].startswith(f"profile: cannot be read, so every run fails: {profile}: not valid")


def test_cron_daemon_on_this_machine_is_looked_up_in_proc() -> None:
    from lowprofile.schedule.cron import cron_daemon_running

    assert cron_daemon_running(Path("/nonexistent")) is None  # no /proc: cannot be told
    if Path("/proc/self").exists():
        assert cron_daemon_running() in (True, False)


@pytest.mark.parametrize(
    ("scheduler", "display", "warned"),
    [
        ("cron", ":99", "a job under cron has no desktop and nobody reads its console"),
        ("systemd", None, "only the console got this, and nobody reads a scheduled job's console"),
        ("systemd", ":99", None),
    ],
)
def test_schedule_test_warns_when_nobody_would_see_a_scheduled_run(
    scheduler: str,
    display: str | None,
    warned: str | None,
    fake_tools: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOWPROFILE_SCHEDULER", scheduler)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    if display:
        monkeypatch.setenv("DISPLAY", display)
    else:
        monkeypatch.delenv("DISPLAY", raising=False)
    result = runner.invoke(app, ["schedule", "test"])
    assert result.exit_code == 0, result.output
    if warned is None:
        assert "warning" not in result.stderr
    else:
        assert f"warning: {warned}: set smtp_host and smtp_to" in result.stderr
