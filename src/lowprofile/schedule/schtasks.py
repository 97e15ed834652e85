"""A Windows scheduled task, through ``schtasks``."""

from __future__ import annotations

import subprocess
import sys

from lowprofile.schedule.base import JOB_NAME, WEEKDAYS, Job, ScheduleError


def create_command(job: Job) -> list[str]:
    program = " ".join(f'"{part}"' if " " in part else part for part in job.argv)
    command = [
        "schtasks",
        "/Create",
        "/F",
        "/TN",
        JOB_NAME,
        "/TR",
        program,
        "/ST",
        f"{job.hour:02d}:{job.minute:02d}",
    ]
    if job.frequency == "monthly":
        command += ["/SC", "MONTHLY", "/D", str(job.day)]
    else:
        command += ["/SC", "WEEKLY", "/D", WEEKDAYS[job.day][:3].upper()]
    return command


class SchtasksBackend:
    name = "schtasks"

    def available(self) -> bool:
        return sys.platform == "win32"

    def install(self, job: Job) -> str:
        result = subprocess.run(create_command(job), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ScheduleError(f"schtasks /Create: {result.stderr.strip()}")
        return f"created the scheduled task {JOB_NAME}"

    def remove(self) -> bool:
        result = subprocess.run(
            ["schtasks", "/Delete", "/F", "/TN", JOB_NAME],
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode == 0

    def status(self) -> str | None:
        result = subprocess.run(
            ["schtasks", "/Query", "/TN", JOB_NAME], capture_output=True, text=True, check=False
        )
        return f"scheduled task {JOB_NAME}" if result.returncode == 0 else None

    def daemon(self) -> str | None:
        return None  # the Task Scheduler service is part of Windows
