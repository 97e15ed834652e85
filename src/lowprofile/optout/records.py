"""The one ledger's file: every request (by any channel), its events, and the hand checks, each
belonging to one person.

``<data>/ledger.db``, over the shared SQLite base (``db.py``). Before this file existed, the
people-search requests and hand checks lived in the scan history (``history.db``) and the
registry's deletion emails in ``registry/requests.db``, with no owner. The first open copies
both in, row for row (the old tables are left as they were, read no more), and gives them to the
one profile there is: the default profile when it loads, else the first person who opens the
ledger after the move. ``notes`` says which happened, for the command to tell the person.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lowprofile.config import data_dir
from lowprofile.config import ledger_db_path as ledger_db_path
from lowprofile.db import Database, aware, midnight
from lowprofile.errors import StoreError
from lowprofile.optout.model import Channel, HandCheck, Request, RequestEvent, RequestState
from lowprofile.subject import default_person

SCHEMA = """
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    person TEXT NOT NULL,
    channel TEXT NOT NULL,
    broker TEXT NOT NULL,
    listing TEXT NOT NULL DEFAULT '',
    submitted TEXT NOT NULL,
    recheck_days INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    ref TEXT NOT NULL DEFAULT '',
    recipients TEXT NOT NULL DEFAULT '[]',
    brokers TEXT NOT NULL DEFAULT '[]',
    names TEXT NOT NULL DEFAULT '[]',
    law TEXT NOT NULL DEFAULT '',
    due TEXT,
    message_id TEXT NOT NULL DEFAULT '',
    domains TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX requests_person ON requests(person, channel);
CREATE UNIQUE INDEX requests_ref ON requests(ref) WHERE ref != '';
CREATE TABLE request_events (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    scan_id INTEGER
);
CREATE INDEX request_events_request ON request_events(request_id, at);
CREATE TABLE hand_checks (
    id INTEGER PRIMARY KEY,
    person TEXT NOT NULL,
    broker TEXT NOT NULL,
    listed INTEGER NOT NULL,
    checked TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hand_checks_person ON hand_checks(person, broker, checked)
"""
UNASSIGNED = ""
"""The owner of rows moved from before records were per person, until someone claims them."""
REGISTRY_STATES = {
    "drafted": RequestState.DRAFTED,
    "sent": RequestState.SUBMITTED,
    "answered": RequestState.ANSWERED,
    "confirmed": RequestState.CONFIRMED_REMOVED,
    "refused": RequestState.REFUSED,
    "failed": RequestState.FAILED,
}
"""The registry ledger's old words for the states, read when its rows are moved in."""


def by_hand(person: str, broker: str, submitted: date, recheck_days: int) -> Request:
    """A request the person sent themselves and recorded (``optout done``): it awaits the
    removal from the day it was sent."""
    event = RequestEvent(RequestState.AWAITING_REMOVAL, midnight(submitted), "recorded by hand")
    return Request(0, person, Channel.HAND, broker, submitted, recheck_days, events=(event,))


def legacy_history_path() -> Path:
    return data_dir() / "history.db"


def legacy_registry_path() -> Path:
    return data_dir() / "registry" / "requests.db"


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def may_claim(person: str) -> bool:
    """Whether ``person`` is the one profile there is, who gets the records from before they
    had an owner: the default profile's person when it loads, else whoever uses them first."""
    owner = default_person()
    return owner is None or owner == person


@dataclass
class RequestLedger:
    """One person's requests and hand checks (the file holds every person's; this object reads
    and writes only ``person``'s). Use as a context manager."""

    person: str
    path: Path = field(default_factory=ledger_db_path)
    notes: list[str] = field(default_factory=list)
    """What opening it did that the person should hear (rows moved in, and to whom)."""

    def __post_init__(self) -> None:
        self.owner = default_person() or UNASSIGNED
        """Who the moved-in rows belong to (the one profile there is), when known."""
        self.base = Database(self.path, [SCHEMA, self._move_legacy_rows], what="the request ledger")

    def __enter__(self) -> RequestLedger:
        self.base.open()
        try:
            if may_claim(self.person):
                self.claim()
        except BaseException:
            self.base.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.base.close()

    # --- the move from the two older files ----------------------------------------------------

    def _move_legacy_rows(self, db: sqlite3.Connection) -> None:
        """Copy the requests, their events and the hand checks of ``history.db`` and the
        registry's ``requests.db`` (beside this file, as today's lowprofile writes them)."""
        folder = self.path.parent
        moved = 0
        history = folder / "history.db"
        if history.is_file() and _has_table(history, "optouts"):
            moved += self._copy_history(db, history)
        registry = folder / "registry" / "requests.db"
        if registry.is_file() and _has_table(registry, "requests"):
            moved += self._copy_registry(db, registry)
        if moved:
            whose = f"to profile {self.owner}" if self.owner else "to the next person who scans"
            self.notes.append(
                f"moved {moved} opt-out record(s) from before records were per person {whose}"
            )

    def _copy_history(self, db: sqlite3.Connection, path: Path) -> int:
        old = _read(path)
        try:
            requests = old.execute("SELECT * FROM optouts ORDER BY id").fetchall()
            has_events = _table_in(old, "optout_events")
            events = old.execute("SELECT * FROM optout_events").fetchall() if has_events else []
            checks = (
                old.execute("SELECT * FROM hand_checks").fetchall()
                if _table_in(old, "hand_checks")
                else []
            )
        finally:
            old.close()
        ids: dict[int, int] = {}
        for r in requests:
            keys = r.keys()
            cursor = db.execute(
                "INSERT INTO requests (person, channel, broker, listing, submitted, recheck_days,"
                " note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    self.owner,
                    Channel.STEPS if "listing" in keys and r["listing"] else Channel.HAND,
                    r["broker"],
                    r["listing"] if "listing" in keys else "",
                    r["submitted"],
                    r["recheck_days"],
                    r["note"],
                ),
            )
            ids[r["id"]] = int(cursor.lastrowid or 0)
            if not has_events:  # schema 3 and older: a request was its date, awaiting removal
                db.execute(
                    "INSERT INTO request_events (request_id, state, at, detail) VALUES (?,?,?,?)",
                    (
                        ids[r["id"]],
                        RequestState.AWAITING_REMOVAL,
                        r["submitted"] + "T00:00:00+00:00",
                        "recorded by hand",
                    ),
                )
        db.executemany(
            "INSERT INTO request_events (request_id, state, at, detail, evidence, scan_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (ids[e["optout_id"]], e["state"], e["at"], e["detail"], e["evidence"], e["scan_id"])
                for e in events
                if e["optout_id"] in ids
            ],
        )
        db.executemany(
            "INSERT INTO hand_checks (person, broker, listed, checked, url) VALUES (?,?,?,?,?)",
            [(self.owner, c["broker"], c["listed"], c["checked"], c["url"]) for c in checks],
        )
        return len(requests) + len(checks)

    def _copy_registry(self, db: sqlite3.Connection, path: Path) -> int:
        old = _read(path)
        try:
            rows = old.execute("SELECT * FROM requests").fetchall()
        finally:
            old.close()
        for r in rows:
            brokers = json.loads(r["brokers"] or "[]")
            state = REGISTRY_STATES.get(r["state"], RequestState.FAILED)
            updated = r["updated"]
            cursor = db.execute(
                "INSERT INTO requests (person, channel, broker, submitted, note, ref, recipients,"
                " brokers, names, law, due, message_id, domains)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.owner,
                    Channel.REGISTRY,
                    brokers[0] if brokers else r["recipient"],
                    r["sent"] or updated,
                    r["note"],
                    r["ref"],
                    json.dumps([r["recipient"]]),
                    r["brokers"],
                    r["names"],
                    r["law"],
                    r["due"],
                    r["message_id"],
                    json.dumps([r["recipient"].rpartition("@")[2].lower()]),
                ),
            )
            request = int(cursor.lastrowid or 0)
            steps = []
            if r["sent"]:
                steps.append((RequestState.SUBMITTED, r["sent"], "sent"))
            if state is not RequestState.SUBMITTED or not r["sent"]:
                steps.append((state, updated, r["note"]))
            db.executemany(
                "INSERT INTO request_events (request_id, state, at, detail) VALUES (?, ?, ?, ?)",
                [(request, s, day + "T00:00:00+00:00", why) for s, day, why in steps],
            )
        return len(rows)

    def claim(self) -> int:
        """Give the rows moved in without an owner to this person (the first to use the ledger
        after the move, where no default profile names the owner). Returns how many."""
        person = self.person
        with self.base.transaction(immediate=True) as db:
            moved = db.execute(
                "UPDATE requests SET person = ? WHERE person = ?", (person, UNASSIGNED)
            ).rowcount
            moved += db.execute(
                "UPDATE hand_checks SET person = ? WHERE person = ?", (person, UNASSIGNED)
            ).rowcount
        if moved:
            self.notes.append(f"{moved} opt-out record(s) from before are now profile {person}'s")
        return moved

    # --- requests ----------------------------------------------------------------------------

    def add(self, request: Request) -> int:
        """A new request with its events (at least one); returns its id."""
        if not request.events:
            raise ValueError("a request is stored with its first event")
        if request.person != self.person:
            raise ValueError("a request is stored in its own person's ledger")
        with self.base.transaction(immediate=True) as db:
            cursor = db.execute(
                "INSERT INTO requests (person, channel, broker, listing, submitted, recheck_days,"
                " note, ref, recipients, brokers, names, law, due, message_id, domains)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request.person,
                    request.channel.value,
                    request.broker,
                    request.listing,
                    request.submitted.isoformat(),
                    request.recheck_days,
                    request.note,
                    request.ref,
                    json.dumps(list(request.recipients)),
                    json.dumps(list(request.brokers)),
                    json.dumps(list(request.names)),
                    request.law,
                    request.due.isoformat() if request.due else None,
                    request.message_id,
                    json.dumps(list(request.domains)),
                ),
            )
            number = int(cursor.lastrowid or 0)
            _insert_events(db, [(number, e) for e in request.events])
        return number

    def add_events(self, events: Iterable[tuple[int, RequestEvent]]) -> None:
        """Later steps of this person's requests, (request id, event) each, in one
        transaction; another person's request id is refused."""
        events = list(events)
        with self.base.transaction(immediate=True) as db:
            mine = {
                r["id"]
                for r in db.execute("SELECT id FROM requests WHERE person = ?", (self.person,))
            }
            strangers = sorted({number for number, _ in events} - mine)
            if strangers:
                raise StoreError(f"request {strangers[0]} is not in this person's ledger")
            _insert_events(db, events)

    def update(self, request_id: int, **fields: Any) -> None:
        """Change a request's own fields (a registry request's due date, message id, note)."""
        allowed = {"due", "message_id", "note", "submitted", "law", "recipients", "names"}
        if not fields.keys() <= allowed:
            raise ValueError(f"not a changeable field: {sorted(fields.keys() - allowed)}")
        values = {
            k: (
                v.isoformat()
                if isinstance(v, date)
                else json.dumps(list(v))
                if isinstance(v, tuple)
                else v
            )
            for k, v in fields.items()
        }
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self.base.transaction() as db:
            db.execute(
                f"UPDATE requests SET {assignments} WHERE id = ? AND person = ?",  # noqa: S608
                (*values.values(), request_id, self.person),
            )

    def requests(self, channel: Channel | None = None) -> list[Request]:
        """This person's requests with their events, oldest first; a damaged row is a one-line
        StoreError naming it."""
        events: dict[int, list[RequestEvent]] = {}
        for r in self.base.rows(
            "SELECT e.* FROM request_events e JOIN requests q ON q.id = e.request_id"
            " WHERE q.person = ? ORDER BY e.id",
            (self.person,),
        ):
            event = self.base.parsed(f"opt-out event {r['id']}", _event_of, r)
            events.setdefault(r["request_id"], []).append(event)
        sql = "SELECT * FROM requests WHERE person = ?"
        params: tuple[object, ...] = (self.person,)
        if channel is not None:
            sql, params = sql + " AND channel = ?", (self.person, channel.value)
        return [
            self.base.parsed(f"opt-out request {r['id']}", _request_of, r, events)
            for r in self.base.rows(sql + " ORDER BY submitted, id", params)
        ]

    # --- sites checked by hand -----------------------------------------------------------------

    def add_hand_check(self, check: HandCheck) -> int:
        with self.base.transaction() as db:
            cursor = db.execute(
                "INSERT INTO hand_checks (person, broker, listed, checked, url)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    self.person,
                    check.broker,
                    int(check.listed),
                    check.checked.isoformat(),
                    check.url,
                ),
            )
            return int(cursor.lastrowid or 0)

    def hand_checks(self) -> dict[str, HandCheck]:
        """This person's newest hand check of each site."""
        rows = self.base.rows(
            "SELECT * FROM hand_checks WHERE person = ? ORDER BY checked, id", (self.person,)
        )
        return {
            r["broker"]: HandCheck(
                r["broker"], bool(r["listed"]), date.fromisoformat(r["checked"]), r["url"]
            )
            for r in rows
        }


def _insert_events(db: sqlite3.Connection, events: list[tuple[int, RequestEvent]]) -> None:
    db.executemany(
        "INSERT INTO request_events (request_id, state, at, detail, evidence, scan_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (request, e.state.value, e.at.isoformat(), e.detail, e.evidence, e.scan_id)
            for request, e in events
        ],
    )


def _event_of(r: sqlite3.Row) -> RequestEvent:
    at = aware(datetime.fromisoformat(r["at"]))
    return RequestEvent(RequestState(r["state"]), at, r["detail"], r["evidence"], r["scan_id"])


def _strings(text: str) -> tuple[str, ...]:
    value = json.loads(text or "[]")
    if not isinstance(value, list):
        raise ValueError("a list was expected")
    return tuple(str(v) for v in value)


def _request_of(r: sqlite3.Row, events: dict[int, list[RequestEvent]]) -> Request:
    return Request(
        id=r["id"],
        person=r["person"],
        channel=Channel(r["channel"]),
        broker=r["broker"],
        submitted=date.fromisoformat(r["submitted"][:10]),
        recheck_days=r["recheck_days"],
        note=r["note"],
        listing=r["listing"],
        events=tuple(events.get(r["id"], ())),
        ref=r["ref"],
        recipients=_strings(r["recipients"]),
        brokers=_strings(r["brokers"]),
        names=_strings(r["names"]),
        law=r["law"],
        due=_day(r["due"]),
        message_id=r["message_id"],
        domains=_strings(r["domains"]),
    )


def people(path: Path | None = None) -> list[str]:
    """Every person with a record in the ledger file (none where there is no file yet)."""
    path = path or ledger_db_path()
    if not path.is_file() or not _has_table(path, "requests"):
        return []
    db = _read(path)
    try:
        rows = db.execute("SELECT person FROM requests UNION SELECT person FROM hand_checks")
        return sorted({str(r[0]) for r in rows.fetchall()} - {UNASSIGNED})
    except sqlite3.Error:
        return []
    finally:
        db.close()


def _read(path: Path) -> sqlite3.Connection:
    """An older file opened read-only: moving its rows must never change it."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    return connection


def _table_in(db: sqlite3.Connection, table: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,))
    return found.fetchone() is not None


def _has_table(path: Path, table: str) -> bool:
    try:
        db = _read(path)
    except sqlite3.Error:
        return False
    try:
        return _table_in(db, table)
    except sqlite3.Error:
        return False
    finally:
        db.close()
