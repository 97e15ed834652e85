"""The request ledger: every deletion request to a registered broker, its state and its deadline.

One SQLite file, ``<data>/registry/requests.db`` (mode 0600), one row per recipient address, so
a second run never writes to the same broker twice. A row is recorded the moment its message is
accepted by the mail server, before the next one is sent: a crash half-way leaves a ledger that
says exactly what went out. It is kept apart from the scan history (whose opt-out table tracks
people-search listings by re-scanning) because a registry request is tracked by its legal
deadline and the broker's answer, not by a search.

States: ``drafted`` (an .eml was written, not yet sent), ``sent``, ``answered`` (the broker wrote
back, e.g. asking to verify), ``confirmed`` (deleted), ``refused``, ``failed`` (the server would
not take the message; it is tried again next run).
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

from lowprofile.config import data_dir
from lowprofile.errors import StoreError
from lowprofile.registry.catalogue import registry_dir
from lowprofile.registry.errors import RegistryError
from lowprofile.store import Store

DRAFTED = "drafted"
SENT = "sent"
ANSWERED = "answered"
CONFIRMED = "confirmed"
REFUSED = "refused"
FAILED = "failed"
STATES = (DRAFTED, SENT, ANSWERED, CONFIRMED, REFUSED, FAILED)
MARKABLE = (SENT, ANSWERED, CONFIRMED, REFUSED)
"""States a person may set by hand (``registry mark``)."""
RETRY = (DRAFTED, FAILED)
"""States that do not count as asked: the next ``--send`` sends these again."""

CCPA_DAYS = 45

MIGRATIONS = [
    """
    CREATE TABLE requests (
        ref TEXT PRIMARY KEY,
        recipient TEXT NOT NULL UNIQUE,
        brokers TEXT NOT NULL,
        names TEXT NOT NULL,
        law TEXT NOT NULL,
        state TEXT NOT NULL,
        sent TEXT,
        due TEXT,
        updated TEXT NOT NULL,
        message_id TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT ''
    );
    """,
]


def ledger_path() -> Path:
    return data_dir() / "registry" / "requests.db"


def add_month(day: date) -> date:
    """One calendar month later, clamped to the month's last day (31 Jan → 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(law: str, sent: date) -> date:
    """When the answer is due: 45 days under the CCPA (Cal. Civ. Code § 1798.130), one month
    under GDPR Article 12(3). A plain request has no legal deadline; it gets the CCPA's 45 days
    as a reminder to chase it."""
    return add_month(sent) if law == "gdpr" else sent + timedelta(days=CCPA_DAYS)


@dataclass(frozen=True)
class RequestRow:
    """One request as the ledger holds it."""

    ref: str
    recipient: str
    brokers: tuple[str, ...]
    names: tuple[str, ...]
    law: str
    state: str
    sent: date | None
    due: date | None
    updated: date
    message_id: str
    note: str

    def overdue(self, today: date) -> bool:
        """Sent, no answer, and past the legal deadline."""
        return self.state == SENT and self.due is not None and today > self.due

    def to_dict(self, today: date) -> dict[str, object]:
        return {
            "ref": self.ref,
            "recipient": self.recipient,
            "brokers": list(self.brokers),
            "names": list(self.names),
            "law": self.law,
            "state": self.state,
            "sent": self.sent.isoformat() if self.sent else None,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue(today),
            "updated": self.updated.isoformat(),
            "note": self.note,
        }


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class Ledger(Store):
    """The request ledger. Use as a context manager; each change is its own transaction.

    It is a ``Store`` with its own file and schema: the same private file, WAL mode and
    ``user_version`` migrations as the scan history, so there is one way to open a database.
    """

    migrations: ClassVar[list[str]] = MIGRATIONS

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or ledger_path())

    def __enter__(self) -> Ledger:
        if self.path == ledger_path():
            registry_dir()
        try:
            super().__enter__()
            # NORMAL sync: a commit per sent message without an fsync each; an app crash loses
            # nothing, a power cut at worst the last few records (those would be sent again).
            self.db.execute("PRAGMA synchronous=NORMAL")
        except StoreError as exc:
            raise RegistryError(f"request ledger {exc}") from exc
        return self

    def _write(self, sql: str, values: tuple[object, ...]) -> None:
        try:
            with self.transaction() as db:
                db.execute(sql, values)
        except StoreError as exc:
            raise RegistryError(f"request ledger {exc}") from exc

    def rows(self) -> list[RequestRow]:
        found = self.db.execute("SELECT * FROM requests ORDER BY due IS NULL, due, ref")
        return [
            RequestRow(
                ref=r["ref"],
                recipient=r["recipient"],
                brokers=tuple(json.loads(r["brokers"])),
                names=tuple(json.loads(r["names"])),
                law=r["law"],
                state=r["state"],
                sent=_day(r["sent"]),
                due=_day(r["due"]),
                updated=date.fromisoformat(r["updated"]),
                message_id=r["message_id"],
                note=r["note"],
            )
            for r in found.fetchall()
        ]

    def get(self, ref: str) -> RequestRow | None:
        return next((r for r in self.rows() if r.ref == ref), None)

    def asked(self) -> set[str]:
        """Recipients that count as asked (everything but drafts and failures); a row sent to
        several addresses holds them as "a, b", and each counts."""
        rows = [r for r in self.rows() if r.state not in RETRY]
        return {a.strip().lower() for r in rows for a in r.recipient.split(",")}

    def record(
        self,
        *,
        ref: str,
        recipient: str,
        brokers: tuple[str, ...],
        names: tuple[str, ...],
        law: str,
        state: str,
        on: date,
        message_id: str = "",
        note: str = "",
    ) -> None:
        """Insert or replace the row of this recipient (a draft later sent, a failure retried)."""
        sent = on if state == SENT else None
        due = due_date(law, on) if sent else None
        self._write(
            "INSERT INTO requests (ref, recipient, brokers, names, law, state, sent, due, updated,"
            " message_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(recipient) DO UPDATE SET ref=excluded.ref, brokers=excluded.brokers,"
            " names=excluded.names, law=excluded.law, state=excluded.state, sent=excluded.sent,"
            " due=excluded.due, updated=excluded.updated, message_id=excluded.message_id,"
            " note=excluded.note",
            (
                ref,
                recipient,
                json.dumps(list(brokers)),
                json.dumps(list(names)),
                law,
                state,
                sent.isoformat() if sent else None,
                due.isoformat() if due else None,
                on.isoformat(),
                message_id,
                note,
            ),
        )

    def mark(self, ref: str, state: str, on: date, note: str = "") -> RequestRow:
        """Set a request's state by hand (or from a reply read by IMAP)."""
        if state not in MARKABLE:
            raise RegistryError(f"state {state!r} is not one of {', '.join(MARKABLE)}")
        row = self._require(ref)
        if state == SENT and row.sent is None:
            self._write(
                "UPDATE requests SET state=?, sent=?, due=?, updated=? WHERE ref=?",
                (SENT, on.isoformat(), due_date(row.law, on).isoformat(), on.isoformat(), ref),
            )
        else:
            self._write(
                "UPDATE requests SET state=?, updated=?, note=? WHERE ref=?",
                (state, on.isoformat(), note or row.note, ref),
            )
        return self._require(ref)

    def _require(self, ref: str) -> RequestRow:
        row = self.get(ref)
        if row is None:
            raise RegistryError(
                f"no request {ref!r} in the ledger (see `lowprofile registry status`)"
            )
        return row
