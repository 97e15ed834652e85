"""``lowprofile optout run`` end to end against the local opt-out site."""

from __future__ import annotations

from pathlib import Path

import pytest
from optoutkit import BROKER, save_scan
from optoutsite import OptOutSite, write_broker
from typer.testing import CliRunner

from helpers.records import all_requests
from lowprofile.cli.main import app

PROFILE = """names = [{ first = "Jane", last = "Doe" }]
emails = ["jane@example.org"]
addresses = [{ city = "Austin", state = "TX" }]
"""


@pytest.fixture
def profile(optout_site: OptOutSite, private_dirs: dict[str, Path], tmp_path: Path) -> Path:
    write_broker(private_dirs["config"] / "brokers", BROKER, optout_site.base)
    save_scan(optout_site.listing)
    path = tmp_path / "profile.toml"
    path.write_text(PROFILE, "utf-8")
    return path


@pytest.mark.browser
def test_a_dry_run_from_the_command_line_shows_what_it_would_send(
    chromium: None, optout_site: OptOutSite, profile: Path
) -> None:
    # Unattended (no --show-browser), the captcha stops the run before any submit.
    result = CliRunner().invoke(
        app, ["optout", "run", BROKER, "--dry-run", "--yes", "--profile", str(profile)]
    )
    assert result.exit_code == 3, result.output
    assert "email address: jane@example.org" in result.stderr
    assert f"{BROKER}: needs you (step 10 (captcha)" in result.stdout
    assert optout_site.posts == []


def test_a_broker_without_steps_or_listing_is_named_not_dropped(
    optout_site: OptOutSite, profile: Path
) -> None:
    result = CliRunner().invoke(
        app, ["optout", "run", "spokeo", "nosuchbroker", "--dry-run", "--profile", str(profile)]
    )
    # An unknown id is the person's typo: exit 2 in one line before anything runs (issue 25).
    assert result.exit_code == 2, result.output
    assert "unknown broker(s): nosuchbroker" in result.stderr
    result = CliRunner().invoke(
        app, ["optout", "run", "spokeo", "--dry-run", "--profile", str(profile)]
    )
    assert result.exit_code == 3, result.output
    assert "spokeo: skipped" in result.stderr
    assert all_requests() == []


@pytest.mark.browser
def test_a_visible_window_without_a_screen_is_said_plainly_and_a_rehearsal_records_nothing(
    chromium: None, profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = CliRunner().invoke(
        app, ["optout", "run", BROKER, "--show-browser", "--yes", "--profile", str(profile)]
    )
    assert result.exit_code == 3
    assert "no screen to open a visible browser window on (DISPLAY is not set)" in result.output
    result = CliRunner().invoke(
        app, ["optout", "run", BROKER, "--dry-run", "--yes", "--profile", str(profile)]
    )
    assert "needs you" in result.stdout  # the captcha stops the rehearsal...
    assert all_requests() == []  # ...and the ledger does not hear of it
