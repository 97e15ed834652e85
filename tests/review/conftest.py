"""A real display for the headed tests, the five local sites, and the person's latest scan.

The display: the one the session has (``DISPLAY``), else an ``Xvfb`` of the test's own (.ci/run
installs the ``xvfb`` package), else the test skips and says why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from reviewkit import PROFILE
from reviewsite import ReviewSite, serve, write_broker


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A display for a headed browser: the session's, or an Xvfb started for the tests."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        reason = "no display and no Xvfb (.ci/run installs the xvfb package)"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    number = f":{90 + os.getpid() % 400}"
    server = subprocess.Popen(  # noqa: S603 - our own Xvfb, no shell
        [xvfb, number, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number[1:]}")  # noqa: S108 - where X puts its socket
    for _ in range(100):
        if socket.exists() or server.poll() is not None:
            break
        time.sleep(0.05)
    if server.poll() is not None:
        pytest.skip(f"Xvfb {number} did not start")
    try:
        yield number
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def headed(display: str, chromium: None, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DISPLAY", display)
    return display


@pytest.fixture
def review_site(
    private_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReviewSite]:
    """The local sites as broker files (the shipped ones point at the internet), and the
    person's profile."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    (private_dirs["config"]).mkdir(parents=True, exist_ok=True)
    (private_dirs["config"] / "profile.toml").write_text(PROFILE, "utf-8")
    with serve() as site:
        folder = private_dirs["config"] / "brokers"
        write_broker(folder, "gated", site.base, "gated")
        write_broker(folder, "handsite", site.base, "manual", manual=True)
        write_broker(folder, "formsite", site.base, "open", steps=True)
        write_broker(folder, "deadsite", site.dead_base, "manual", manual=True)
        write_broker(folder, "othersite", site.base, "manual", manual=True)
        yield site
