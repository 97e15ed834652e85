"""Scan history in SQLite: every scan kept, so the next one can say what changed.

One file, ``<data>/history.db``, mode 0600, in WAL mode with foreign keys on. Each scan is written
in one transaction (the report, its results and its findings), so a crash leaves the database as
it was. ``PRAGMA user_version`` holds the schema version; ``MIGRATIONS`` upgrades older files in
order, each inside its own transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from lowprofile.config import data_dir
from lowprofile.errors import ReportError, StoreError
from lowprofile.files import ensure_private_dir
from lowprofile.privacy import mask_email, mask_name, mask_username
from lowprofile.results import OptOutState, ScanReport, json_text
from lowprofile.safe_text import json_text as utf8_text

T = TypeVar("T")

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
]
SCHEMA_VERSION = len(MIGRATIONS)
SAME_SUBJECT_KEYS = ("names", "locations", "emails", "phones", "usernames")
"""What makes two stored scans the same person's, for the score over time."""
COMPRESSION = 6
"""zlib's level for stored reports: most of the gain of 9 at a fraction of its time."""
BUSY_TIMEOUT_S = 30.0
"""How long a scan waits for another's write to the history before giving up."""


def history_path() -> Path:
    return data_dir() / "history.db"


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


@dataclass(frozen=True)
class HandCheck:
    """What the person saw on a site they searched by hand."""

    broker: str
    listed: bool
    checked: date
    url: str = ""


@dataclass(frozen=True)
class OptOutEvent:
    """One step of an opt-out request: the state it entered, when, why, and the evidence."""

    state: OptOutState
    at: datetime
    detail: str = ""
    evidence: str = ""
    scan_id: int | None = None
    """The scan that showed it (a removal, a reappearance), once that scan is saved."""


@dataclass(frozen=True)
class OptOutRow:
    """One opt-out request: a broker, the listing asked to be removed ('' for the whole site),
    and its events, oldest first."""

    id: int
    broker: str
    submitted: date
    recheck_days: int
    note: str
    listing: str = ""
    events: tuple[OptOutEvent, ...] = ()


class Store:
    """The history database. Use as a context manager; every write is one transaction.

    A subclass keeping another database of the same care (0600, WAL, migrations under one write
    lock) sets its own ``migrations``."""

    migrations: ClassVar[list[str]] = MIGRATIONS

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or history_path()
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> Store:
        ensure_private_dir(self.path.parent)
        if self.path.is_symlink():
            raise StoreError(f"{self.path}: is a symbolic link; the history must be a plain file")
        try:
            flags = os.O_CREAT | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
            os.close(os.open(self.path, flags, 0o600))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open: {exc.strerror or exc}") from exc
        try:
            # Scans started at once (cron and a person) wait for each other's writes.
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            self.close()
            raise StoreError(f"{self.path}: {exc}") from exc
        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                side.chmod(0o600)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("the history database is not open")
        return self._db

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction; ``immediate`` takes the write lock at once (for read-then-write)."""
        try:
            with self.db:
                if immediate:
                    self.db.execute("BEGIN IMMEDIATE")
                yield self.db
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        """A read; a damaged database is a one-line StoreError, not a traceback."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _migrate(self) -> None:
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        latest = len(self.migrations)
        if version > latest:
            raise StoreError(
                f"{self.path} was written by a newer lowprofile (schema {version}); upgrade"
            )
        if version == latest:
            return
        # Two first scans at once must not both create the tables: take the write lock, then
        # read the version again, and migrate only what is still missing.
        with self.transaction(immediate=True) as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            for number in range(version, latest):
                for statement in self.migrations[number].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

    # --- scans -------------------------------------------------------------------------------

    def save(self, report: ScanReport) -> int:
        """Store a scan with its results and findings; returns its id."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO scans (started, finished, report, score, grade, incomplete, subject)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    report.started.isoformat(),
                    report.finished.isoformat(),
                    zlib.compress(json_text(report.to_dict()).encode("utf-8"), COMPRESSION),
                    report.risk.score if report.risk else None,
                    report.risk.grade.value if report.risk else None,
                    int(bool(report.risk and report.risk.incomplete)),
                    json_text(report.subject),
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

    def scans(self) -> list[ScanRow]:
        rows = self._rows(
            "SELECT s.id, s.started, s.finished, COUNT(f.id) AS n,"
            " s.score, s.grade, s.incomplete, s.subject"
            " FROM scans s LEFT JOIN findings f ON f.scan_id = s.id GROUP BY s.id ORDER BY s.id"
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
            )
            for r in rows
        ]

    def prune(self, *, keep: int | None = None, before: date | None = None) -> int:
        """Delete old scans with their results and findings, in one transaction; returns how
        many. ``keep`` keeps the newest N scans; ``before`` deletes scans started before that
        day; given both, a scan goes only when both say so."""
        if keep is None and before is None:
            raise StoreError("prune needs --keep N or --before DATE")
        if keep is not None and keep < 0:
            raise StoreError(f"--keep {keep}: keep a number of scans, 0 or more")
        with self.transaction(immediate=True) as db:
            ids = [row["id"] for row in db.execute("SELECT id, started FROM scans ORDER BY id")]
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
            raise StoreError(f"no scan {scan_id} in the history (see `lowprofile history list`)")
        return self._report(scan_id, row["report"])

    def resolve(self, ref: str) -> int:
        """A scan id from ``latest``, ``previous`` or a number."""
        ids = [row.id for row in self.scans()]
        if not ids:
            raise StoreError("the history is empty: run `lowprofile scan` first")
        if ref == "latest":
            return ids[-1]
        if ref == "previous":
            if len(ids) < 2:
                raise StoreError("only one scan in the history")
            return ids[-2]
        try:
            return int(ref)
        except ValueError as exc:
            raise StoreError(f"{ref!r} is not a scan id, 'latest' or 'previous'") from exc

    def reports_since(self, when: date) -> list[ScanReport]:
        rows = self._rows(
            "SELECT id, report FROM scans WHERE started >= ? ORDER BY id", (when.isoformat(),)
        )
        return [self._report(r["id"], r["report"]) for r in rows]

    def past_scores(self, subject: dict[str, Any], before: datetime) -> list[tuple[datetime, int]]:
        """(started, score) of the stored scans of the same subject started before ``before``,
        oldest first, for the report's trend. The same subject is the same masked names,
        places, emails, phones and usernames: that is all a report keeps of the profile. Read
        straight from each report's JSON, so a long history is not loaded report by report; a
        row without a whole-number score (an older report) is left out."""
        rows = self._rows("SELECT started, subject, score FROM scans ORDER BY id")
        wanted = {key: subject.get(key) or [] for key in SAME_SUBJECT_KEYS}
        points = []
        for row in rows:
            try:
                started = datetime.fromisoformat(row["started"])
                started = started if started.tzinfo else started.replace(tzinfo=UTC)
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

    # --- sites checked by hand -----------------------------------------------------------------

    def add_hand_check(self, broker: str, listed: bool, checked: date, url: str = "") -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO hand_checks (broker, listed, checked, url) VALUES (?, ?, ?, ?)",
                (broker, int(listed), checked.isoformat(), url),
            )
            return int(cursor.lastrowid or 0)

    def hand_checks(self) -> dict[str, HandCheck]:
        """The newest hand check of each site."""
        rows = self._rows("SELECT * FROM hand_checks ORDER BY checked, id")
        return {
            r["broker"]: HandCheck(
                r["broker"], bool(r["listed"]), date.fromisoformat(r["checked"]), r["url"]
            )
            for r in rows
        }

    # --- opt-outs ----------------------------------------------------------------------------

    def add_optout(
        self,
        broker: str,
        submitted: date,
        recheck_days: int,
        note: str = "",
        *,
        listing: str = "",
        event: OptOutEvent | None = None,
    ) -> int:
        """A new request, with its first event (by default: awaiting removal, sent by hand)."""
        first = event or OptOutEvent(
            OptOutState.AWAITING_REMOVAL,
            datetime.combine(submitted, datetime.min.time(), UTC),
            "recorded by hand",
        )
        with self.transaction(immediate=True) as db:
            cursor = db.execute(
                "INSERT INTO optouts (broker, submitted, recheck_days, note, listing) "
                "VALUES (?, ?, ?, ?, ?)",
                (broker, submitted.isoformat(), recheck_days, note, listing),
            )
            request = int(cursor.lastrowid or 0)
            self._insert_events(db, [(request, first)])
            return request

    def add_optout_events(self, events: list[tuple[int, OptOutEvent]]) -> None:
        """Later steps of existing requests, (request id, event) each, in one transaction."""
        with self.transaction(immediate=True) as db:
            self._insert_events(db, events)

    @staticmethod
    def _insert_events(db: sqlite3.Connection, events: list[tuple[int, OptOutEvent]]) -> None:
        db.executemany(
            "INSERT INTO optout_events (optout_id, state, at, detail, evidence, scan_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (request, e.state.value, e.at.isoformat(), e.detail, e.evidence, e.scan_id)
                for request, e in events
            ],
        )

    def optouts(self) -> list[OptOutRow]:
        """Every request with its events, oldest request first; a damaged row is a one-line
        StoreError naming it (a guessed state would be worse than none)."""
        events: dict[int, list[OptOutEvent]] = {}
        for r in self._rows("SELECT * FROM optout_events ORDER BY at, id"):
            event = self._parsed(f"opt-out event {r['id']}", _event_of, r)
            events.setdefault(r["optout_id"], []).append(event)
        return [
            self._parsed(f"opt-out request {r['id']}", _request_of, r, events)
            for r in self._rows("SELECT * FROM optouts ORDER BY submitted, id")
        ]

    def _parsed(self, what: str, make: Callable[..., T], *row: Any) -> T:
        """A row read into its type, or a one-line StoreError saying which row is damaged."""
        try:
            return make(*row)
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{self.path}: {what} is damaged ({exc})") from exc


def _event_of(r: sqlite3.Row) -> OptOutEvent:
    at = _aware(datetime.fromisoformat(r["at"]))
    return OptOutEvent(OptOutState(r["state"]), at, r["detail"], r["evidence"], r["scan_id"])


def _request_of(r: sqlite3.Row, events: dict[int, list[OptOutEvent]]) -> OptOutRow:
    submitted = date.fromisoformat(r["submitted"])
    kept = tuple(events.get(r["id"], ()))
    return OptOutRow(
        r["id"], r["broker"], submitted, r["recheck_days"], r["note"], r["listing"], kept
    )


def _aware(when: datetime) -> datetime:
    """Times are written in UTC with their offset; one written without is read as UTC."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _json_object(text: object) -> dict[str, object]:
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
