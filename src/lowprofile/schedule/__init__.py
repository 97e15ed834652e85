"""Monthly (or weekly) rescans through the operating system's own scheduler.

``base`` holds what every backend shares (the job, the errors); each backend module imports only
``base``; this module alone knows all four and picks one, so nothing imports in a circle.
"""

from __future__ import annotations

import os

from lowprofile.schedule.base import Backend, ScheduleError
from lowprofile.schedule.cron import CronBackend
from lowprofile.schedule.launchd import LaunchdBackend
from lowprofile.schedule.schtasks import SchtasksBackend
from lowprofile.schedule.systemd import SystemdBackend


def pick_backend() -> Backend:
    """launchd on macOS, schtasks on Windows; on Linux a systemd user timer where
    ``systemctl --user`` works, else the crontab. ``LOWPROFILE_SCHEDULER`` forces one."""
    backends: dict[str, Backend] = {
        "launchd": LaunchdBackend(),
        "schtasks": SchtasksBackend(),
        "systemd": SystemdBackend(),
        "cron": CronBackend(),
    }
    forced = os.environ.get("LOWPROFILE_SCHEDULER")
    if forced:
        if forced not in backends:
            raise ScheduleError(f"LOWPROFILE_SCHEDULER={forced!r}: use {', '.join(backends)}")
        return backends[forced]
    for backend in backends.values():
        if backend.available():
            return backend
    raise ScheduleError("no scheduler found here (no systemd user session and no crontab)")
