"""Shared fixtures: every test runs with private folders and no way to reach the network.

``LOWPROFILE_CONFIG_DIR``/``LOWPROFILE_DATA_DIR`` point into the test's temporary folder, the OS
keyring is switched off, the machine's own proxy and mailbox settings (``LOWPROFILE_IMAP_*``) are
cleared, and an autouse respx router refuses any request that no test mocked,
except to 127.0.0.1 where tests run their own fixture servers.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import respx

from helpers.dovecot import Dovecot, dovecot_missing, running_dovecot

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

_ENV_CLEARED = (
    "HIBP_API_KEY",
    "LOWPROFILE_PROXY",
    "LOWPROFILE_PROFILE",
    "LOWPROFILE_FAIL_ON",
    "LOWPROFILE_XPOSEDORNOT_URL",
    "LOWPROFILE_HIBP_URL",
    "LOWPROFILE_PWNEDPASSWORDS_URL",
    # The developer's own mailbox must never be read (or logged into) by a test.
    "LOWPROFILE_IMAP_HOST",
    "LOWPROFILE_IMAP_PORT",
    "LOWPROFILE_IMAP_USER",
    "LOWPROFILE_IMAP_FOLDER",
    "LOWPROFILE_IMAP_SECURITY",
    "LOWPROFILE_IMAP_PASSWORD",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Config and data folders inside the test's tmp_path; no keyring; no proxy from the host."""
    config = tmp_path / "config"
    data = tmp_path / "data"
    monkeypatch.setenv("LOWPROFILE_CONFIG_DIR", str(config))
    monkeypatch.setenv("LOWPROFILE_DATA_DIR", str(data))
    monkeypatch.setenv("LOWPROFILE_NO_KEYRING", "1")
    monkeypatch.setenv("LOWPROFILE_HOST_INTERVAL", "0")
    monkeypatch.setenv("LOWPROFILE_BACKOFF", "0")
    monkeypatch.setenv("LOWPROFILE_HIBP_RPM", "0")
    monkeypatch.setenv("LOWPROFILE_XPOSEDORNOT_INTERVAL", "0")
    # respx cannot reach into Chromium: a test opts into the browser (against 127.0.0.1) itself.
    monkeypatch.setenv("LOWPROFILE_BROWSER_MODE", "never")
    # The mentions checker's news searches would ask Google and Bing: a test opts into them.
    monkeypatch.setenv("LOWPROFILE_MENTION_NEWS", "none")
    for name in _ENV_CLEARED:
        monkeypatch.delenv(name, raising=False)
    return {"config": config, "data": data}


@pytest.fixture(autouse=True)
def no_network() -> Iterator[respx.MockRouter]:
    """Fail any HTTP request a test did not mock; loopback fixture servers pass through."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.route(host="127.0.0.1").pass_through()
        router.route(host="localhost").pass_through()
        yield router


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A real Dovecot IMAP server of the test's own; skipped with the reason where it cannot
    run here."""
    reason = dovecot_missing()
    if reason:
        pytest.skip(f"no Dovecot IMAP server: {reason}")
    with running_dovecot() as server:
        yield server


@pytest.fixture
def shared_data() -> Path:
    """The project's shared sample data, beside the repository; skipped with a reason if absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared sample data not found at {SHARED_DATA} (only in the team checkout)")
    return SHARED_DATA


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the fake checkers of tests/fixtures/plugins, registered through entry points."""
    from lowprofile.checkers import base

    monkeypatch.syspath_prepend(str(REPO_ROOT / "tests" / "fixtures" / "plugins"))
    monkeypatch.delitem(sys.modules, "fake_lowprofile_plugin", raising=False)
    group = base.ENTRY_POINT_GROUP
    eps = [
        EntryPoint("fake", "fake_lowprofile_plugin:FakeChecker", group),
        EntryPoint("broken", "fake_lowprofile_plugin:BrokenChecker", group),
        EntryPoint("nokey", "fake_lowprofile_plugin:NoKeyChecker", group),
        EntryPoint("netcheck", "fake_lowprofile_plugin:NetChecker", group),
        EntryPoint("missing", "no_such_module_xyz:Checker", group),
    ]
    monkeypatch.setattr(base, "BUILTIN_CHECKERS", {})
    monkeypatch.setattr(
        base, "entry_points", lambda group: eps if group == base.ENTRY_POINT_GROUP else []
    )


@pytest.fixture
def chromium() -> None:
    """Skip, saying why, where the browser engine cannot run."""
    from lowprofile.browser.locate import availability

    found = availability()
    if not found.ready:
        print(f"skipped: {found.reason}")
        pytest.skip(found.reason)
    if found.executable is None:
        reason = "no Chrome or Chromium installed (set LOWPROFILE_BROWSER=/path)"
        print(f"skipped: {reason}")
        pytest.skip(reason)
