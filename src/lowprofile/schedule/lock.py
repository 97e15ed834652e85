"""One scheduled run at a time, and a run that cannot overrun its deadline.

The lock is an OS file lock (``flock``; a byte-range lock on Windows) on ``<data>/schedule.lock``:
the kernel drops it when its holder ends, however it ends, so a lock left by a run that died (a
crash, a kill, a reboot) is simply taken over by the next run. Its holder writes its PID and start
time into the file, so a run that finds the lock held can say by whom and since when.

A lock can still be held for good by a run that never ends (a page whose script never yields, a
mailbox that drips): so every run has a deadline (``RUN_DEADLINE``), enforced by a watchdog
thread that records the failure, notifies, and ends the process, which releases the lock. A lock
held longer than ``STALE_AFTER`` (the deadline and a margin) is then one no run of ours can hold:
the next run does not wait on it or skip silently, it fails loudly and names the process.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lowprofile.errors import EXIT_FAILED, LowprofileError
from lowprofile.files import ensure_private_dir

RUN_DEADLINE = timedelta(hours=4)
"""The longest a scheduled run may take. A full scan of every source takes well under an hour
at the polite defaults; the rest is room for the browser and the opt-out retries."""
STALE_AFTER = RUN_DEADLINE + timedelta(hours=2)
"""A lock held longer than this is not a slow run of ours (the deadline ends those): it is stuck."""


def span(length: timedelta) -> str:
    """A length of time as a person reads it: "7 h", "20 min", "1 s"."""
    seconds = int(length.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as far as its file says."""

    pid: int | None
    started: datetime | None

    def held_for(self, now: datetime) -> timedelta | None:
        return now - self.started if self.started is not None else None

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid is not None else "another process"
        when = f", started {self.started:%Y-%m-%d %H:%M} UTC" if self.started else ""
        return who + when


class AlreadyRunning(LowprofileError):
    """Another run holds the lock."""

    def __init__(self, path: Path, holder: Holder) -> None:
        super().__init__(f"{holder.describe()} holds {path}")
        self.holder = holder


@contextmanager
def run_lock(path: Path, now: datetime | None = None) -> Iterator[None]:
    """Hold the lock for the ``with`` block, with this process's PID and start time in the file;
    ``AlreadyRunning`` when a live process holds it."""
    ensure_private_dir(path.parent)
    handle = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if not _try_lock(handle):
            raise AlreadyRunning(path, _holder(handle, path))
        _write_holder(handle, now or datetime.now(UTC))
        yield
    finally:
        os.close(handle)  # closing the file releases the lock


def _try_lock(handle: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: msvcrt locks a byte range instead
        import msvcrt

        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _write_holder(handle: int, started: datetime) -> None:
    data = json.dumps({"pid": os.getpid(), "started": started.isoformat(timespec="seconds")})
    try:
        os.ftruncate(handle, 0)
        os.lseek(handle, 0, os.SEEK_SET)
        os.write(handle, data.encode())
    except OSError:
        pass  # who holds it is advice for the next run; the lock itself is what matters


def _holder(handle: int, path: Path) -> Holder:
    """The holder the file names. A file without a start time (written by an older version, or
    unreadable under a Windows lock) dates from its last change."""
    pid: int | None = None
    started: datetime | None = None
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        data = json.loads(os.read(handle, 4096) or b"{}")
        if isinstance(data, dict):
            pid = data["pid"] if isinstance(data.get("pid"), int) else None
            started = datetime.fromisoformat(str(data["started"])) if "started" in data else None
    except (OSError, ValueError):
        pass
    if started is None or started.tzinfo is None:
        try:
            started = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            started = None
    return Holder(pid, started)


def start_deadline(seconds: float, on_expiry: Callable[[], None]) -> threading.Timer:
    """A watchdog: after ``seconds``, ``on_expiry`` (record, notify) and the process ends with
    exit 3, whatever its main thread is stuck in. Cancel it when the run ends in time."""

    def expire() -> None:
        try:
            on_expiry()
        finally:
            os._exit(EXIT_FAILED)  # ends a main thread stuck in any call; the lock goes with it

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer
