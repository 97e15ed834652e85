"""Scan history in SQLite: every scan kept, so the next one can say what changed.

One file, ``<data>/history.db``, mode 0600, in WAL mode with foreign keys on. Each scan is written
in one transaction (the report, its results and its findings), so a crash leaves the database as
it was. ``PRAGMA user_version`` holds the schema version; ``MIGRATIONS`` upgrades older files in
order, each inside its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lowprofile.config import history_path as history_path
from lowprofile.db import Database, aware
from lowprofile.errors import NoSuchScan, ReportError, StoreError
from lowprofile.privacy import mask_email, mask_name, mask_username
from lowprofile.results import ScanReport, json_text
from lowprofile.safe_text import json_text as utf8_text

MIGRATIONS: list[str] = [
    # 1: scans, their results and findings; opt-out requests the user made
    """
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT NOT NULL,
        report TEXT NOT NULL
    );
    CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        checker TEXT NOT NULL,
        source TEXT,
        target TEXT NOT NULL,
        status TEXT NOT NULL
    );
    CREATE INDEX results_scan ON results(scan_id);
    CREATE INDEX results_source ON results(checker, source);
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL
    );
    CREATE INDEX findings_scan ON findings(scan_id);
    CREATE TABLE optouts (
        id INTEGER PRIMARY KEY,
        broker TEXT NOT NULL,
        submitted TEXT NOT NULL,
        recheck_days INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2: sites the person checked by hand, and what they saw there
    """
    CREATE TABLE hand_checks (
        id INTEGER PRIMARY KEY,
        broker TEXT NOT NULL,
        listed INTEGER NOT NULL,
        checked TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX hand_checks_broker ON hand_checks(broker, checked);
    """,
    # 3: reports stored compressed (zlib), with what `history list` and the trend need beside them
    """
    ALTER TABLE scans ADD COLUMN score INTEGER;
    ALTER TABLE scans ADD COLUMN grade TEXT;
    ALTER TABLE scans ADD COLUMN incomplete INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE scans ADD COLUMN subject TEXT NOT NULL DEFAULT '{}';
    UPDATE scans SET
        score = json_extract(report, '$.risk.score'),
        grade = json_extract(report, '$.risk.grade'),
        incomplete = coalesce(json_extract(report, '$.risk.incomplete'), 0),
        subject = coalesce(json_extract(report, '$.subject'), '{}')
    WHERE typeof(report) = 'text' AND json_valid(report);
    """,
    # 4: the opt-out ledger: each request's listing, and every state it went through, with when,
    # why and the evidence (a request recorded before this had only its date: it awaits removal)
    """
    ALTER TABLE optouts ADD COLUMN listing TEXT NOT NULL DEFAULT '';
    CREATE TABLE optout_events (
        id INTEGER PRIMARY KEY,
        optout_id INTEGER NOT NULL REFERENCES optouts(id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        at TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        evidence TEXT NOT NULL DEFAULT '',
        scan_id INTEGER
    );
    CREATE INDEX optout_events_request ON optout_events(optout_id, at);
    INSERT INTO optout_events (optout_id, state, at, detail)
        SELECT id, 'awaiting_removal', submitted || 'T00:00:00+00:00', 'recorded by hand'
        FROM optouts;
    """,
    # 5: every scan belongs to a person (``Subject.person_id``); the scans stored before go to
    # the one profile there is (``Store.claim``). The opt-out tables above moved to the request
    # ledger (``optout/records.py``), which copies them on its first open; they are read no more.
    """
    ALTER TABLE scans ADD COLUMN person TEXT NOT NULL DEFAULT '';
    CREATE INDEX scans_person ON scans(person, id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
SAME_SUBJECT_KEYS = ("names", "locations", "emails", "phones", "usernames")
"""What makes two stored scans the same person's, for the score over time."""
COMPRESSION = 6
"""zlib's level for stored reports: most of the gain of 9 at a fraction of its time."""


@dataclass(frozen=True)
class ScanRow:
    """One stored scan as ``history list`` shows it, without loading the whole report."""

    id: int
    started: str
    finished: str
    findings: int
    score: int | None = None
    """The risk score; None for a report saved without one."""
    grade: str | None = None
    incomplete: bool = False
    """Too little answered for the score to mean much."""
    subject: str = ""
    """Who was scanned, masked (``J*** D** +1``): enough to tell two people's scans apart."""
    person: str = ""
    """Whose scan it is (``Subject.person_id``)."""


def subject_label(subject: dict[str, object]) -> str:
    """A short masked label for a report's subject summary. Masked again here, so a report saved
    unmasked never shows a name in a listing (masking a mask leaves it as it is)."""
    for key, mask in (("names", mask_name), ("emails", mask_email), ("usernames", mask_username)):
        values = subject.get(key)
        if isinstance(values, list) and values:
            more = f" +{len(values) - 1}" if len(values) > 1 else ""
            return mask(str(values[0])) + more
    photos = subject.get("photo_dirs")
    return "photos only" if photos else ""


class Store:
    """The history database over the shared SQLite base. Use as a context manager; every write
    is one transaction. Each scan belongs to a person; reads name the person whose scans they
    want (``None``: every person's, for the commands that say so)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or history_path()
        self.base = Database(self.path, MIGRATIONS, what="the history")

    def __enter__(self) -> Store:
        self.base.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.base.close()

    @property
    def db(self) -> sqlite3.Connection:
        return self.base.db

    def transaction(self, *, immediate: bool = False) -> AbstractContextManager[sqlite3.Connection]:
        return self.base.transaction(immediate=immediate)

    def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        return self.base.rows(sql, params)

    def claim(self, person: str) -> int:
        """Give the scans stored before scans had an owner to ``person`` (the one profile there
        is); returns how many."""
        with self.transaction(immediate=True) as db:
            return int(
                db.execute("UPDATE scans SET person = ? WHERE person = ''", (person,)).rowcount
            )

    def latest_person(self) -> str | None:
        """Whose scan is the newest (for commands run without a profile by someone who scans
        with flags only)."""
        rows = self._rows("SELECT person FROM scans ORDER BY id DESC LIMIT 1")
        return str(rows[0]["person"]) if rows else None

    # --- scans -------------------------------------------------------------------------------

    def save(self, report: ScanReport, person: str) -> int:
        """Store ``person``'s scan with its results and findings; returns its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO scans (started, finished, report, score, grade, incomplete, subject,"
                " person) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.started.isoformat(),
                    report.finished.isoformat(),
                    zlib.compress(json_text(report.to_dict()).encode("utf-8"), COMPRESSION),
                    report.risk.score if report.risk else None,
                    report.risk.grade.value if report.risk else None,
                    int(bool(report.risk and report.risk.incomplete)),
                    json_text(report.subject),
                    person,
                ),
            )
            scan_id = int(cursor.lastrowid or 0)
            for result in report.results:
                row = db.execute(
                    "INSERT INTO results (scan_id, checker, source, target, status)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        scan_id,
                        result.checker,
                        result.source,
                        utf8_text(result.target),
                        result.status.value,
                    ),
                )
                db.executemany(
                    "INSERT INTO findings (scan_id, result_id, key, kind, severity)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [
                        (scan_id, row.lastrowid, utf8_text(f.key), f.kind, f.severity.value)
                        for f in result.findings
                    ],
                )
        return scan_id

    def scans(self, person: str | None) -> list[ScanRow]:
        """``person``'s scans, oldest first (``None``: everyone's)."""
        rows = self._rows(
            "SELECT s.id, s.started, s.finished, COUNT(f.id) AS n,"
            " s.score, s.grade, s.incomplete, s.subject, s.person"
            " FROM scans s LEFT JOIN findings f ON f.scan_id = s.id"
            " WHERE ?1 IS NULL OR s.person = ?1 GROUP BY s.id ORDER BY s.id",
            (person,),
        )
        return [
            ScanRow(
                r["id"],
                r["started"],
                r["finished"],
                r["n"],
                score=r["score"] if isinstance(r["score"], int) else None,
                grade=r["grade"] if isinstance(r["grade"], str) else None,
                incomplete=bool(r["incomplete"]),
                subject=subject_label(_json_object(r["subject"])),
                person=r["person"],
            )
            for r in rows
        ]

    def prune(
        self, person: str | None, *, keep: int | None = None, before: date | None = None
    ) -> int:
        """Delete old scans with their results and findings, in one transaction; returns how
        many. ``keep`` keeps the newest N scans; ``before`` deletes scans started before that
        day; given both, a scan goes only when both say so."""
        if keep is None and before is None:
            raise StoreError("prune needs --keep N or --before DATE")
        if keep is not None and keep < 0:
            raise StoreError(f"--keep {keep}: keep a number of scans, 0 or more")
        with self.transaction(immediate=True) as db:
            ids = [
                row["id"]
                for row in db.execute(
                    "SELECT id FROM scans WHERE ?1 IS NULL OR person = ?1 ORDER BY id", (person,)
                )
            ]
            doomed = set(ids[: max(len(ids) - keep, 0)] if keep is not None else ids)
            if before is not None:
                older = db.execute(
                    "SELECT id FROM scans WHERE started < ?", (before.isoformat(),)
                ).fetchall()
                doomed &= {row["id"] for row in older}
            # The foreign keys cascade, but say it outright: no orphan row may outlive its scan.
            for table, column in (("findings", "scan_id"), ("results", "scan_id"), ("scans", "id")):
                db.executemany(
                    f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608 - names are ours
                    [(scan_id,) for scan_id in sorted(doomed)],
                )
        return len(doomed)

    def load(self, scan_id: int) -> ScanReport:
        found = self._rows("SELECT report FROM scans WHERE id = ?", (scan_id,))
        row = found[0] if found else None
        if row is None:
            raise NoSuchScan(f"no scan {scan_id} in the history (see `lowprofile history list`)")
        return self._report(scan_id, row["report"])

    def resolve(self, ref: str, person: str | None) -> int:
        """A scan id of ``person``'s from ``latest``, ``previous`` or a number (another
        person's number is refused as unknown)."""
        ids = [row.id for row in self.scans(person)]
        if not ids:
            raise NoSuchScan("the history is empty: run `lowprofile scan` first")
        if ref == "latest":
            return ids[-1]
        if ref == "previous":
            if len(ids) < 2:
                raise NoSuchScan("only one scan in the history")
            return ids[-2]
        try:
            number = int(ref)
        except ValueError as exc:
            raise NoSuchScan(f"{ref!r} is not a scan id, 'latest' or 'previous'") from exc
        if number not in ids:
            theirs = self._rows("SELECT 1 FROM scans WHERE id = ?", (number,))
            if theirs:
                raise NoSuchScan(f"scan {number} is another person's (add --any to use it)")
            raise NoSuchScan(f"no scan {number} in the history (see `lowprofile history list`)")
        return number

    def reports_since(self, when: date, person: str) -> list[ScanReport]:
        rows = self._rows(
            "SELECT id, report FROM scans WHERE started >= ? AND person = ? ORDER BY id",
            (when.isoformat(), person),
        )
        return [self._report(r["id"], r["report"]) for r in rows]

    def past_scores(
        self, person: str, subject: dict[str, Any], before: datetime
    ) -> list[tuple[datetime, int]]:
        """(started, score) of ``person``'s stored scans of the same subject started before
        ``before``, oldest first, for the report's trend. The same subject is the same masked
        names, places, emails, phones and usernames (the trend compares like with like). Read
        from the columns beside each report, so a long history is not loaded report by
        report; a row without a whole-number score (an older report) is left out."""
        rows = self._rows(
            "SELECT started, subject, score FROM scans WHERE person = ? ORDER BY id", (person,)
        )
        wanted = {key: subject.get(key) or [] for key in SAME_SUBJECT_KEYS}
        points = []
        for row in rows:
            try:
                started = aware(datetime.fromisoformat(row["started"]))
                theirs = json.loads(row["subject"] or "{}")
            except (TypeError, ValueError):
                continue
            score = row["score"]
            if not isinstance(theirs, dict) or not isinstance(score, int) or started >= before:
                continue
            if not 0 <= score <= 100:
                continue
            if all((theirs.get(key) or []) == wanted[key] for key in SAME_SUBJECT_KEYS):
                points.append((started, score))
        return sorted(points, key=lambda point: point[0])

    @staticmethod
    def _report(scan_id: int, stored: str | bytes) -> ScanReport:
        """A stored report, checked like any other: a tampered row is a one-line error. Newer
        rows are zlib-compressed (a report shrinks about 9×); older ones are JSON text."""
        from lowprofile.reportfile import MAX_REPORT_BYTES, report_from_text

        origin = f"history scan {scan_id}"
        try:
            if isinstance(stored, bytes):
                inflate = zlib.decompressobj()
                stored = inflate.decompress(stored, MAX_REPORT_BYTES + 1)
                if inflate.unconsumed_tail:
                    raise ReportError(f"{origin}: larger than a lowprofile report once inflated")
            return report_from_text(stored, origin)
        except zlib.error as exc:
            raise StoreError(f"{origin}: damaged ({exc})") from exc
        except ReportError as exc:
            raise StoreError(str(exc)) from exc


def _json_object(text: object) -> dict[str, object]:
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
