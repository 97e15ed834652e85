"""One exit code for a household run: a scan that could not run is never hidden by another's
findings (a scheduled household run must say it failed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lowprofile.household.run import household_code
from lowprofile.pipeline import ScanOutcome
from lowprofile.results import ScanReport

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def _outcome(code: int) -> ScanOutcome:
    return ScanOutcome(ScanReport({}, WHEN, WHEN, [], []), code)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 3), 3), ((3, 0), 3), ((0, 0, 3), 3)],
)
def test_failure_first_then_findings(codes: tuple[int, ...], expected: int) -> None:
    assert household_code([_outcome(c) for c in codes]) == expected
