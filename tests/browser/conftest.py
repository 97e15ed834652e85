"""The local site, its recipes, and the skip for machines without Chromium or Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from localsite import LocalSite, serve, write_recipe


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with serve() as running:
        yield running


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
