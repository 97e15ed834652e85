"""Deletion emails to registered brokers, as one channel of the one request ledger.

Each request is one message to one recipient address (every registration that writes to that
address is covered by it), kept in ``optout/records.py``'s ledger with the person's other
requests: ``optout status`` and ``registry status`` are two views of one file. A request is
recorded the moment its message is accepted by the mail server, before the next one is sent: a
crash half-way leaves a ledger that says exactly what went out. It is tracked by its legal
deadline and the broker's answer, not by a search, so a scan never moves it.

States (``RequestState``): ``drafted`` (an .eml was written, not yet sent), ``submitted`` (the
server took it; ``registry status`` says "sent"), ``answered`` (the broker wrote back from its
own domain), ``confirmed_removed`` or ``refused`` (marked by the person who read the answer),
``failed`` (the server would not take the message; it is tried again next run).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from types import TracebackType

from lowprofile.db import midnight
from lowprofile.errors import StoreError
from lowprofile.optout.model import Channel, Request, RequestEvent, RequestState
from lowprofile.optout.records import RequestLedger
from lowprofile.registry.errors import RegistryError

DRAFTED = RequestState.DRAFTED
SENT = RequestState.SUBMITTED
ANSWERED = RequestState.ANSWERED
CONFIRMED = RequestState.CONFIRMED_REMOVED
REFUSED = RequestState.REFUSED
FAILED = RequestState.FAILED
MARKABLE = {"sent": SENT, "answered": ANSWERED, "confirmed": CONFIRMED, "refused": REFUSED}
"""The words a person may mark a request with by hand (``registry mark``), and their states."""
WORDS = {SENT: "sent", CONFIRMED: "confirmed"}
"""How ``registry status`` says a state where its word differs from the machine value."""
RETRY = (DRAFTED, FAILED)
"""States that do not count as asked: the next ``--send`` sends these again."""

CCPA_DAYS = 45


def add_month(day: date) -> date:
    """One calendar month later, clamped to the month's last day (31 Jan → 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(law: str, sent: date) -> date:
    """When the answer is due: 45 days under the CCPA (Cal. Civ. Code § 1798.130), one month
    under GDPR Article 12(3). A plain request has no legal deadline; it gets the CCPA's 45 days
    as a reminder to chase it."""
    return add_month(sent) if law == "gdpr" else sent + timedelta(days=CCPA_DAYS)


def word(state: RequestState) -> str:
    """A registry state as ``registry status`` says it."""
    return WORDS.get(state, state.value)


@dataclass(frozen=True)
class RequestRow:
    """One registry request as ``registry status`` shows it."""

    id: int
    ref: str
    recipient: str
    """Every address the message went to, joined by ", "."""
    brokers: tuple[str, ...]
    names: tuple[str, ...]
    law: str
    state: RequestState
    sent: date | None
    due: date | None
    updated: date
    message_id: str
    note: str
    domains: tuple[str, ...] = ()
    """Where a reply may come from: the recipients' domains and the brokers' websites'."""

    def overdue(self, today: date) -> bool:
        """Sent, no answer, and past the legal deadline."""
        return self.state is SENT and self.due is not None and today > self.due

    def to_dict(self, today: date) -> dict[str, object]:
        return {
            "ref": self.ref,
            "recipient": self.recipient,
            "brokers": list(self.brokers),
            "names": list(self.names),
            "law": self.law,
            "state": self.state.value,
            "sent": self.sent.isoformat() if self.sent else None,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue(today),
            "updated": self.updated.isoformat(),
            "note": self.note,
        }


def row_of(request: Request) -> RequestRow:
    """A registry request of the ledger as the registry's commands read it."""
    sent = [e.at.date() for e in request.events if e.state is SENT]
    current = request.events[-1]
    return RequestRow(
        id=request.id,
        ref=request.ref,
        recipient=", ".join(request.recipients),
        brokers=request.brokers,
        names=request.names,
        law=request.law,
        state=current.state,
        sent=sent[-1] if sent and current.state is not DRAFTED else None,
        due=request.due,
        updated=current.at.date(),
        message_id=request.message_id,
        note=current.detail if current.state is not SENT else request.note,
        domains=request.domains,
    )


class Ledger:
    """One person's registry requests. Use as a context manager; each change is its own
    transaction in the one request ledger."""

    def __init__(self, person: str, records: RequestLedger | None = None) -> None:
        self.records = records or RequestLedger(person)
        self.person = person

    def __enter__(self) -> Ledger:
        try:
            self.records.__enter__()
        except StoreError as exc:
            raise RegistryError(f"request ledger {exc}") from exc
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.records.__exit__(kind, exc, tb)

    def _requests(self) -> list[Request]:
        try:
            return self.records.requests(Channel.REGISTRY)
        except StoreError as exc:
            raise RegistryError(f"request ledger {exc}") from exc

    def rows(self) -> list[RequestRow]:
        rows = [row_of(r) for r in self._requests()]
        return sorted(rows, key=lambda r: (r.due is None, r.due or date.max, r.ref))

    def get(self, ref: str) -> RequestRow | None:
        return next((r for r in self.rows() if r.ref == ref), None)

    def refs(self) -> dict[str, str]:
        """The stored reference of each address asked before (lower case, as requests are
        keyed): a message to it again keeps its reference, so a reply to the first one still
        matches."""
        return {a.strip().lower(): r.ref for r in self.rows() for a in r.recipient.split(",")}

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
        state: RequestState,
        on: date,
        message_id: str = "",
        note: str = "",
        domains: tuple[str, ...] = (),
    ) -> None:
        """A new request to this recipient, or the next state of the one made before (a draft
        later sent, a failure retried)."""
        due = due_date(law, on) if state is SENT else None
        event = RequestEvent(state, midnight(on), note or ("sent" if state is SENT else ""))
        recipients = tuple(a.strip() for a in recipient.split(",") if a.strip())
        earlier = next((r for r in self._requests() if r.recipients == recipients), None)
        try:
            if earlier is None:
                self.records.add(
                    Request(
                        id=0,
                        person=self.person,
                        channel=Channel.REGISTRY,
                        broker=brokers[0] if brokers else recipient,
                        submitted=on,
                        note=note,
                        events=(event,),
                        ref=ref,
                        recipients=recipients,
                        brokers=brokers,
                        names=names,
                        law=law,
                        due=due,
                        message_id=message_id,
                        domains=domains or _domains(recipients),
                    )
                )
                return
            changes: dict[str, object] = {"law": law, "names": names}
            if state is SENT:
                changes.update(due=due, message_id=message_id, submitted=on)
            self.records.update(earlier.id, **changes)
            self.records.add_events([(earlier.id, event)])
        except StoreError as exc:
            raise RegistryError(f"request ledger {exc}") from exc

    def mark(self, ref: str, state: RequestState | str, on: date, note: str = "") -> RequestRow:
        """Set a request's state by hand (or from a reply read by IMAP)."""
        if isinstance(state, str) and not isinstance(state, RequestState):
            if state not in MARKABLE:
                raise RegistryError(f"state {state!r} is not one of {', '.join(MARKABLE)}")
            state = MARKABLE[state]
        if state not in MARKABLE.values():
            raise RegistryError(f"state {word(state)!r} is not one of {', '.join(MARKABLE)}")
        row = self._require(ref)
        try:
            if state is SENT and row.sent is None:
                self.records.update(row.id, due=due_date(row.law, on), submitted=on)
            self.records.add_events([(row.id, RequestEvent(state, midnight(on), note or row.note))])
        except StoreError as exc:
            raise RegistryError(f"request ledger {exc}") from exc
        return self._require(ref)

    def _require(self, ref: str) -> RequestRow:
        row = self.get(ref)
        if row is None:
            raise RegistryError(
                f"no request {ref!r} in the ledger (see `lowprofile registry status`)"
            )
        return row


def _domains(recipients: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.rpartition("@")[2].lower().rstrip(".") for a in recipients))
