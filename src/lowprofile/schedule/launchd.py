"""A launchd agent on macOS: a property list in ~/Library/LaunchAgents."""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path
from typing import Any

from lowprofile.config import data_dir
from lowprofile.schedule.base import Job, ScheduleError

LABEL = "org.lowprofile.scan"


def plist_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def agent_plist(job: Job) -> bytes:
    interval: dict[str, Any] = {"Hour": job.hour, "Minute": job.minute}
    if job.frequency == "monthly":
        interval["Day"] = job.day
    else:
        interval["Weekday"] = job.day
    logs = data_dir() / "logs"
    document = {
        "Label": LABEL,
        "ProgramArguments": job.argv,
        "StartCalendarInterval": interval,
        "StandardOutPath": str(logs / "launchd.out.log"),
        "StandardErrorPath": str(logs / "launchd.err.log"),
        "ProcessType": "Background",
    }
    return plistlib.dumps(document, sort_keys=True)


class LaunchdBackend:
    name = "launchd"

    def available(self) -> bool:
        return sys.platform == "darwin"

    def install(self, job: Job) -> str:
        path = plist_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            subprocess.run(["launchctl", "unload", str(path)], capture_output=True, check=False)
        path.write_bytes(agent_plist(job))
        result = subprocess.run(
            ["launchctl", "load", "-w", str(path)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise ScheduleError(f"launchctl load: {result.stderr.strip()}")
        return f"installed the launchd agent {LABEL}"

    def remove(self) -> bool:
        path = plist_path()
        if not path.exists():
            return False
        subprocess.run(["launchctl", "unload", "-w", str(path)], capture_output=True, check=False)
        path.unlink()
        return True

    def status(self) -> str | None:
        return f"launchd agent {LABEL}" if plist_path().exists() else None

    def daemon(self) -> str | None:
        return None  # launchd is the system's own first process: it always runs
