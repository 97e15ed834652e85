"""The local site, its recipes, and the skip for machines without Chromium or Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from localsite import LocalSite, serve, write_recipe

from lowprofile.browser.locate import availability


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with serve() as running:
        yield running


@pytest.fixture
def chromium() -> None:
    """Skip, saying why, where the browser engine cannot run."""
    found = availability()
    if not found.ready:
        print(f"skipped: {found.reason}")
        pytest.skip(found.reason)
    if found.executable is None:
        reason = "no Chrome or Chromium installed (set LOWPROFILE_BROWSER=/path)"
        print(f"skipped: {reason}")
        pytest.skip(reason)


@pytest.fixture
def local_recipes(
    site: LocalSite, private_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalSite:
    """Only the two local recipes load (the shipped ones point at the internet)."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    folder = private_dirs["config"] / "brokers"
    write_recipe(folder, "jssite", site.base, "js")
    write_recipe(folder, "gatedsite", site.base, "challenge")
    return site
