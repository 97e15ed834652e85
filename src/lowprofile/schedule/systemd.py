"""A systemd user timer, where ``systemctl --user`` works (most Linux desktops)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from lowprofile.schedule.base import JOB_NAME, WEEKDAYS, Job, ScheduleError


def unit_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def service_unit(job: Job) -> str:
    command = " ".join(shlex.quote(part) for part in job.argv)
    return (
        "[Unit]\n"
        "Description=lowprofile rescan for exposed personal data\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"ExecStart={command}\n"
        "Nice=10\n"
    )


def timer_unit(job: Job) -> str:
    clock = f"{job.hour:02d}:{job.minute:02d}:00"
    if job.frequency == "monthly":
        calendar = f"*-*-{job.day:02d} {clock}"
    else:
        calendar = f"{WEEKDAYS[job.day][:3].title()} *-*-* {clock}"
    return (
        "[Unit]\n"
        "Description=Scheduled lowprofile rescan\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar={calendar}\n"
        "Persistent=true\n"
        "RandomizedDelaySec=15min\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )


def _systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemctl", "--user", *args], capture_output=True, text=True, check=False, timeout=30
    )


class SystemdBackend:
    name = "systemd"

    def available(self) -> bool:
        if not shutil.which("systemctl"):
            return False
        try:
            result = _systemctl("is-system-running")
        except (OSError, subprocess.TimeoutExpired):
            return False
        return result.stdout.strip() in ("running", "degraded", "starting")

    def install(self, job: Job) -> str:
        folder = unit_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{JOB_NAME}.service").write_text(service_unit(job))
        (folder / f"{JOB_NAME}.timer").write_text(timer_unit(job))
        for args in (("daemon-reload",), ("enable", "--now", f"{JOB_NAME}.timer")):
            result = _systemctl(*args)
            if result.returncode != 0:
                raise ScheduleError(f"systemctl --user {' '.join(args)}: {result.stderr.strip()}")
        return f"installed the systemd user timer {JOB_NAME}.timer"

    def remove(self) -> bool:
        folder = unit_dir()
        units = [folder / f"{JOB_NAME}.timer", folder / f"{JOB_NAME}.service"]
        if not any(unit.exists() for unit in units):
            return False
        _systemctl("disable", "--now", f"{JOB_NAME}.timer")
        for unit in units:
            unit.unlink(missing_ok=True)
        _systemctl("daemon-reload")
        return True

    def status(self) -> str | None:
        timer = unit_dir() / f"{JOB_NAME}.timer"
        if not timer.exists():
            return None
        line = next((x for x in timer.read_text().splitlines() if x.startswith("OnCalendar=")), "")
        return f"systemd timer {JOB_NAME}.timer ({line})"

    def daemon(self) -> str | None:
        try:
            result = _systemctl("is-active", f"{JOB_NAME}.timer")
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"scheduler: cannot ask systemd whether the timer is active ({exc})"
        state = result.stdout.strip() or "unknown"
        if state == "active":
            return f"scheduler: {JOB_NAME}.timer is active"
        return (
            f"scheduler: {JOB_NAME}.timer is {state}, so the job will not start: "
            f"`systemctl --user enable --now {JOB_NAME}.timer`"
        )
