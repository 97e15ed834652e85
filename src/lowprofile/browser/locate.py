"""Finding a Chrome, Chromium or Edge already on this machine, and whether Playwright is here.

We drive the browser the person already has rather than download one: the usual install places
per OS, or ``LOWPROFILE_BROWSER=/path``. Playwright's own download (``playwright install
chromium``) is only the fallback, used when none is found.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

BROWSER_ENV = "LOWPROFILE_BROWSER"
INSTALL_HINT = (
    "the browser engine is not installed: pip install 'lowprofile[browser]' "
    "(it drives your Chrome, Chromium or Edge)"
)
_COMMANDS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
    "microsoft-edge-stable",
)
_MAC_APPS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)
_WINDOWS_APPS = (
    ("PROGRAMFILES", r"Google\Chrome\Application\chrome.exe"),
    ("PROGRAMFILES(X86)", r"Google\Chrome\Application\chrome.exe"),
    ("LOCALAPPDATA", r"Google\Chrome\Application\chrome.exe"),
    ("PROGRAMFILES(X86)", r"Microsoft\Edge\Application\msedge.exe"),
    ("PROGRAMFILES", r"Microsoft\Edge\Application\msedge.exe"),
)


@dataclass(frozen=True)
class Availability:
    """Whether a scan can use the browser, which executable it would drive, and if not, why."""

    ready: bool
    executable: Path | None = None
    """None with ``ready``: Playwright's own downloaded Chromium."""
    reason: str = ""


def _candidates() -> list[Path]:
    if sys.platform == "darwin":
        found = [Path(app) for app in _MAC_APPS]
        home = Path.home()
        return found + [home / app.lstrip("/") for app in _MAC_APPS]
    if sys.platform == "win32":
        return [Path(os.environ[var]) / tail for var, tail in _WINDOWS_APPS if os.environ.get(var)]
    return [Path(found) for name in _COMMANDS if (found := shutil.which(name))]


def find_browser() -> Path | None:
    """The installed browser to drive: ``LOWPROFILE_BROWSER`` first, then the usual places."""
    override = os.environ.get(BROWSER_ENV)
    if override:
        return Path(override).expanduser()
    return next((path for path in _candidates() if path.is_file()), None)


def playwright_installed() -> bool:
    return importlib.util.find_spec("playwright") is not None


def availability() -> Availability:
    """Can this machine open the browser engine? Cheap: imports nothing, launches nothing."""
    if not playwright_installed():
        return Availability(False, reason=INSTALL_HINT)
    executable = find_browser()
    if executable is not None and not executable.is_file():
        return Availability(False, reason=f"{BROWSER_ENV}={executable}: no such file")
    return Availability(True, executable)
