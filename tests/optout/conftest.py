"""The local opt-out site, served for one test with loopback allowed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from optoutsite import OptOutSite, serve


@pytest.fixture
def optout_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[OptOutSite]:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    with serve() as running:
        yield running
