"""The request ledger: deadlines by law, states, overdue, and a private file."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest

from helpers.records import PERSON
from lowprofile.optout.records import RequestLedger, ledger_db_path
from lowprofile.registry.errors import RegistryError
from lowprofile.registry.ledger import (
    ANSWERED,
    CONFIRMED,
    DRAFTED,
    FAILED,
    SENT,
    Ledger,
    add_month,
    due_date,
)


@pytest.mark.parametrize(
    ("law", "sent", "due"),
    [
        ("ccpa", date(2026, 11, 27), date(2027, 1, 11)),
        ("plain", date(2026, 2, 1), date(2026, 3, 18)),
        ("gdpr", date(2026, 1, 31), date(2026, 2, 28)),
        ("gdpr", date(2028, 1, 31), date(2028, 2, 29)),
        ("gdpr", date(2026, 12, 15), date(2027, 1, 15)),
    ],
)
def test_due_date_by_law(law: str, sent: date, due: date) -> None:
    assert due_date(law, sent) == due


def test_add_month_clamps_to_month_end() -> None:
    assert add_month(date(2026, 3, 31)) == date(2026, 4, 30)


def _record(ledger: Ledger, recipient: str, state: str, on: date, law: str = "ccpa") -> None:
    ledger.record(
        ref=f"LP-{recipient[:4].upper()}",
        recipient=recipient,
        brokers=("b",),
        names=("B Inc",),
        law=law,
        state=state,
        on=on,
    )


def test_states_asked_and_overdue() -> None:
    with Ledger(PERSON) as ledger:
        _record(ledger, "aaaa@x.example", SENT, date(2026, 1, 1))
        _record(ledger, "bbbb@x.example", DRAFTED, date(2026, 1, 1))
        _record(ledger, "cccc@x.example", FAILED, date(2026, 1, 1))
        _record(ledger, "dddd@x.example", SENT, date(2026, 1, 1), law="gdpr")
        assert ledger.asked() == {"aaaa@x.example", "dddd@x.example"}
        rows = {r.recipient: r for r in ledger.rows()}
    sent = rows["aaaa@x.example"]
    assert sent.due == date(2026, 2, 15)
    assert not sent.overdue(date(2026, 2, 15))
    assert sent.overdue(date(2026, 2, 16))
    assert rows["dddd@x.example"].due == date(2026, 2, 1)
    assert rows["bbbb@x.example"].due is None
    assert not rows["bbbb@x.example"].overdue(date(2030, 1, 1))


def test_answered_is_no_longer_overdue_and_draft_marked_sent_gets_a_deadline() -> None:
    with Ledger(PERSON) as ledger:
        _record(ledger, "aaaa@x.example", SENT, date(2026, 1, 1))
        _record(ledger, "bbbb@x.example", DRAFTED, date(2026, 1, 1))
        answered = ledger.mark("LP-AAAA", ANSWERED, date(2026, 1, 20), "asked for ID")
        assert answered.note == "asked for ID"
        assert not answered.overdue(date(2026, 6, 1))
        assert answered.due == date(2026, 2, 15)  # the deadline stays what the law set
        sent_by_hand = ledger.mark("LP-BBBB", SENT, date(2026, 3, 1))
        assert sent_by_hand.due == date(2026, 4, 15)
        assert ledger.mark("LP-AAAA", CONFIRMED, date(2026, 2, 1)).state == CONFIRMED
        with pytest.raises(RegistryError, match="no request 'LP-NONE'"):
            ledger.mark("LP-NONE", SENT, date(2026, 1, 1))
        with pytest.raises(RegistryError, match="not one of"):
            ledger.mark("LP-AAAA", FAILED, date(2026, 1, 1))


def test_ledger_file_is_private_and_survives_reopening() -> None:
    with Ledger(PERSON) as ledger:
        _record(ledger, "aaaa@x.example", SENT, date(2026, 1, 1))
    path = ledger_db_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with Ledger(PERSON) as ledger:
        assert [r.recipient for r in ledger.rows()] == ["aaaa@x.example"]


def test_newer_or_broken_ledger_is_refused(tmp_path: Path) -> None:
    import sqlite3

    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with (
        pytest.raises(RegistryError, match="newer lowprofile"),
        Ledger(PERSON, RequestLedger(PERSON, newer)),
    ):
        pass
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 100)
    with (
        pytest.raises(RegistryError, match="broken.db"),
        Ledger(PERSON, RequestLedger(PERSON, broken)),
    ):
        pass
