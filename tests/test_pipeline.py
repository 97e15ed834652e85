"""The one pipeline: what it adds to every scan's plan, and what it never creates."""

from __future__ import annotations

from pathlib import Path

from helpers.records import PERSON
from helpers.sample import sample_report
from lowprofile.pipeline import add_registry_tasks


def test_registered_brokers_join_the_plan_without_a_ledger_being_made(
    private_dirs: dict[str, Path],
) -> None:
    report = sample_report("TX")
    before = [a.id for a in report.plan]
    add_registry_tasks(report, PERSON)
    ids = [a.id for a in report.plan]
    assert "registry-requests" in ids and set(before) <= set(ids)
    assert report.plan[-1].kind == "emergency"  # the emergency steps stay last
    task = next(a for a in report.plan if a.id == "registry-requests")
    assert task.command == "lowprofile optout requests --send" and len(task.covers) <= 26
    assert not (private_dirs["data"] / "registry").exists()  # a scan creates no ledger
