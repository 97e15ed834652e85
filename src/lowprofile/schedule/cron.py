"""The user's crontab: one line, tagged so we can find it again, the user's own lines untouched."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from lowprofile.schedule.base import Job, ScheduleError

TAG = "# lowprofile-schedule (managed by `lowprofile schedule`)"
CRON_DAEMONS = frozenset({"cron", "crond", "cronie", "fcron", "dcron"})
"""Process names of the cron daemons Linux distributions ship (busybox's applet runs as
``crond`` too)."""
PROC = Path("/proc")


def cron_daemon_running(proc: Path | None = None) -> bool | None:
    """Whether a cron daemon process runs here, from /proc; None where there is no /proc to read
    (the BSDs, macOS), since then it cannot be told."""
    proc = proc or PROC
    if not (proc / "self").exists():
        return None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue  # the process ended while we looked, or is not ours to read
        if name in CRON_DAEMONS:
            return True
    return False


def cron_line(job: Job) -> str:
    if job.frequency == "monthly":
        when = f"{job.minute} {job.hour} {job.day} * *"
    else:
        when = f"{job.minute} {job.hour} * * {job.day}"
    # cron treats % as a newline: none may appear unescaped in the command.
    command = " ".join(shlex.quote(part) for part in job.argv).replace("%", "\\%")
    return f"{when} {command} {TAG}"


def without_ours(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.rstrip().endswith(TAG)]


class CronBackend:
    name = "cron"

    def available(self) -> bool:
        return shutil.which("crontab") is not None

    def _read(self) -> str:
        result = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            if "no crontab" in result.stderr.lower():
                return ""
            raise ScheduleError(f"crontab -l failed: {result.stderr.strip()}")
        return result.stdout

    def _write(self, lines: list[str]) -> None:
        text = "\n".join(lines) + ("\n" if lines else "")
        result = subprocess.run(
            ["crontab", "-"], input=text, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise ScheduleError(f"crontab - failed: {result.stderr.strip()}")

    def install(self, job: Job) -> str:
        lines = without_ours(self._read()) + [cron_line(job)]
        self._write(lines)
        return "added one line to your crontab"

    def remove(self) -> bool:
        current = self._read()
        kept = without_ours(current)
        if len(kept) == len(current.splitlines()):
            return False
        self._write(kept)
        return True

    def status(self) -> str | None:
        ours = [line for line in self._read().splitlines() if line.rstrip().endswith(TAG)]
        return ours[0] if ours else None

    def daemon(self) -> str | None:
        running = cron_daemon_running()
        if running is None:
            return None
        if running:
            return "scheduler: a cron daemon is running"
        return (
            "scheduler: NO cron daemon is running, so the job will not start: start it "
            "(e.g. `sudo systemctl enable --now cron`)"
        )
