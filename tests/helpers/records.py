"""The records of the one ledger file as tests read them: every person's requests, whoever owns
them, so an assertion about "nothing was recorded" cannot miss a row kept under another id."""

from __future__ import annotations

import sqlite3

from lowprofile.optout.model import Request
from lowprofile.optout.records import RequestLedger, ledger_db_path

PERSON = "p-test-person"
"""The owner of the scans and requests a test stores directly (no profile behind it)."""


def people() -> list[str]:
    """Every person with a record in the ledger file (none when there is no file)."""
    path = ledger_db_path()
    if not path.parent.is_dir():
        return []
    base = RequestLedger(PERSON).base  # opening moves older files' rows in, and claims none
    base.open()
    base.close()
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT person FROM requests UNION SELECT person FROM hand_checks"
        ).fetchall()
    finally:
        db.close()
    return sorted({str(r[0]) for r in rows})


def all_requests() -> list[Request]:
    """Every request of every person, oldest first per person."""
    found: list[Request] = []
    for person in people():
        with RequestLedger(person) as ledger:
            found += ledger.requests()
    return found
