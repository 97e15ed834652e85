"""One politeness clock for both fetchers: with ``--browser auto``, the browser's retry of a
walled plain fetch waits the host's interval after the plain request (server timestamps)."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from localsite import LocalSite, write_recipe
from test_browser_scan import by_source, scan

INTERVAL = 4.0
"""Long enough that Chromium's own start (about a second here) cannot hide a missing wait."""
PLAIN_AGENT = "plain-client-under-test"


@pytest.mark.browser
def test_a_browser_retry_waits_the_interval_after_the_plain_request(
    chromium: None,
    site: LocalSite,
    no_network: respx.MockRouter,
    private_dirs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOWPROFILE_HOST_INTERVAL", str(INTERVAL))
    monkeypatch.setenv("LOWPROFILE_USER_AGENT", PLAIN_AGENT)
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    recipe = write_recipe(private_dirs["config"] / "brokers", "walled", site.base, "challenge")
    # A recipe for plain HTTP: only the bot wall sends it to the browser (``auto``).
    recipe.write_text(recipe.read_text("utf-8").replace('fetch = "browser"\n', ""), "utf-8")

    _, report = scan("--browser", "auto")

    assert by_source(report)["walled"]["status"] == "found"
    first_plain, first_browser = _first_of_each(site)
    assert first_plain < first_browser
    gap = first_browser - first_plain
    assert gap >= INTERVAL - 0.05, f"the browser came {gap:.2f} s after the plain request"


def _first_of_each(site: LocalSite) -> tuple[float, float]:
    """When the plain client's first request and the browser's first one arrived."""
    plain = [t for t, path, agent in site.arrivals if agent == PLAIN_AGENT]
    browser = [t for t, path, agent in site.arrivals if "Chrome" in agent]
    assert plain and browser, site.arrivals
    return plain[0], browser[0]
