"""The history database: private, transactional, versioned; and diffs between stored scans."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers.records import PERSON
from helpers.sample import listing, sample_report
from lowprofile.diff import diff_reports
from lowprofile.errors import StoreError
from lowprofile.results import CheckResult, ScanReport, Severity, Status
from lowprofile.store import Store


def test_save_load_round_trip(tmp_path: Path) -> None:
    report = sample_report()
    with Store(tmp_path / "h.db") as store:
        first = store.save(report, PERSON)
        second = store.save(report, PERSON)
        assert [row.id for row in store.scans(None)] == [first, second]
        assert store.scans(None)[0].findings == len(report.findings)
        assert store.load(store.resolve("latest", None)).to_dict() == report.to_dict()
        assert store.resolve("previous", None) == first
        mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert stat.S_IMODE((tmp_path / "h.db").stat().st_mode) == 0o600


def test_default_location_is_private(private_dirs: dict[str, Path]) -> None:
    with Store() as store:
        store.save(sample_report(), PERSON)
    path = private_dirs["data"] / "history.db"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_failed_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = sample_report()
    with Store(tmp_path / "h.db") as store:
        store.save(report, PERSON)
        broken = ScanReport(
            report.subject,
            report.started,
            report.finished,
            report.checkers,
            [*report.results, CheckResult(None, "x", Status.NOT_FOUND)],
        )  # type: ignore[arg-type]
        with pytest.raises(StoreError):
            store.save(broken, PERSON)
        assert len(store.scans(None)) == 1
        (count,) = store.db.execute("SELECT COUNT(*) FROM results").fetchone()
        assert count == len(report.results)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer lowprofile"):
        Store(path).__enter__()


def test_empty_history_says_so(tmp_path: Path) -> None:
    with Store(tmp_path / "h.db") as store, pytest.raises(StoreError, match="empty"):
        store.resolve("latest", None)


def make(results: list[CheckResult]) -> ScanReport:
    now = datetime.now(UTC)
    return ScanReport({}, now, now, ["brokers"], results)


def test_diff_new_resolved_unverified_unchanged() -> None:
    a = listing("spokeo", "Spokeo", ("name", "address"), Severity.HIGH)
    b = listing("radaris", "Radaris", ("name", "phone"), Severity.HIGH)
    c = listing("mylife", "MyLife", ("name",), Severity.MEDIUM)
    d = listing("nuwber", "Nuwber", ("name",), Severity.MEDIUM)
    old = make([
        CheckResult("brokers", "t", Status.FOUND, (a,), source="spokeo"),
        CheckResult("brokers", "t", Status.FOUND, (b,), source="radaris"),
        CheckResult("brokers", "t", Status.FOUND, (c,), source="mylife"),
    ])  # fmt: skip
    new = make([
        CheckResult("brokers", "t", Status.FOUND, (a,), source="spokeo"),
        CheckResult("brokers", "t", Status.NOT_FOUND, source="radaris"),
        CheckResult("brokers", "t", Status.BLOCKED, source="mylife"),
        CheckResult("brokers", "t", Status.FOUND, (d,), source="nuwber"),
    ])  # fmt: skip
    changes = diff_reports(old, new)
    assert [f.key for f in changes.new] == [d.key]
    assert [f.key for f in changes.resolved] == [b.key]
    assert [f.key for f in changes.unverified] == [c.key]  # blocked this time: not "resolved"
    assert [f.key for f in changes.unchanged] == [a.key]


def test_reports_are_stored_compressed_and_older_rows_still_read(tmp_path: Path) -> None:
    import sqlite3
    import zlib

    from lowprofile.store import MIGRATIONS

    path = tmp_path / "h.db"
    report = sample_report()
    old = sqlite3.connect(path)  # a history written by the first schema: JSON text rows
    old.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    old.execute(
        "INSERT INTO scans (started, finished, report) VALUES (?, ?, ?)",
        (report.started.isoformat(), report.finished.isoformat(), json.dumps(report.to_dict())),
    )
    old.commit()
    old.close()
    with Store(path) as store:
        new_id = store.save(report, PERSON)
        rows = store.scans(None)
        assert [r.score for r in rows] == [report.risk.score] * 2  # migrated, and saved
        stored = store.db.execute("SELECT report FROM scans WHERE id = ?", (new_id,)).fetchone()[0]
        assert isinstance(stored, bytes) and len(stored) * 3 < len(json.dumps(report.to_dict()))
        assert store.load(rows[0].id).to_dict() == store.load(new_id).to_dict()
        bomb = zlib.compress(b" " * (70 * 1024 * 1024))
        store.db.execute("UPDATE scans SET report = ? WHERE id = ?", (bomb, new_id))
        store.db.commit()
        with pytest.raises(StoreError, match="larger than a lowprofile report"):
            store.load(new_id)
