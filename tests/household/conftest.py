"""The household's local people-search site, its recipes, and the two profiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from householdsite import HouseholdSite, serve, write_recipes


@pytest.fixture
def site(
    private_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HouseholdSite]:
    """The local site, searched only through its own recipes (no shipped broker)."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    with serve() as running:
        write_recipes(private_dirs["config"] / "brokers", running.base)
        yield running
