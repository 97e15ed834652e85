"""Deletion requests to registered brokers: one message per recipient, holding the least data.

The legal text comes from ``optout.drafts.deletion_wording`` (the one place it is written),
asked for a law by giving it a place under that law. The rest of the message holds what the law
needs to find and delete a record — name, email, state (or country under GDPR) — and nothing
more unless the person adds a field with ``--add``. A broker registered under several names at
one address (one registrant, several trading names) gets one message naming them all.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cached_property
from pathlib import Path

from lowprofile.domains import email_domain, normal
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.optout.drafts import deletion_wording
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.errors import RegistryError
from lowprofile.subject import US_STATES, Address, Name, Subject

LAWS = ("ccpa", "gdpr", "plain")

_PLACE_UNDER = {
    "ccpa": (Address(state="CA", country="US"),),
    "gdpr": (Address(country="IE"),),
    "plain": (),
}
"""A place each law covers; only used to ask ``deletion_wording`` for that law's text."""

DEADLINE_TEXT = {
    "ccpa": "within the 45 days the law allows (Cal. Civ. Code § 1798.130)",
    "gdpr": "within one month, as Article 12(3) GDPR requires",
    "plain": "within 45 days",
}

EXTRA_FIELDS = ("city", "postcode", "street", "phone", "birth-year")
"""What a person may add to the minimum with ``--add`` (some brokers ask for it to find you)."""


def wording(law: str) -> tuple[str, str]:
    """(subject line, legal paragraph) for ``law``, from the shared opt-out wording."""
    if law not in _PLACE_UNDER:
        raise RegistryError(f"--law {law!r}: choose one of {', '.join(LAWS)}")
    placeholder = Subject(names=(Name("A", "B"),), addresses=_PLACE_UNDER[law])
    return deletion_wording(placeholder)


def law_for(subject: Subject) -> str:
    """The law the shared wording picks for where this person lives."""
    chosen = deletion_wording(subject)
    return next((law for law in LAWS if wording(law) == chosen), "plain")


def lives_in_california(subject: Subject) -> bool:
    return any(a.state == "CA" and a.country.upper() == "US" for a in subject.current_addresses)


def new_ref() -> str:
    """A new request's reference: it goes in the subject line so replies can be matched to the
    request, and it is the key a person uses to mark a request by hand. Random (64 bits) and
    stored with the request: a reference computed from the public address could be written by
    anyone into a fake "reply". A recipient asked before keeps the reference it was given."""
    return "LP-" + secrets.token_hex(8).upper()


@dataclass(frozen=True)
class DeletionRequest:
    """One message to one recipient, covering every registration that writes to that address.

    The message is built when first asked for: a preview of hundreds of requests shows one in
    full, and a paced run builds each just before it goes out.
    """

    ref: str
    recipient: str
    entries: tuple[RegistryEntry, ...]
    law: str
    subject: Subject
    sender: str
    add: tuple[str, ...] = ()
    today: date | None = None

    @cached_property
    def message(self) -> EmailMessage:
        return build_message(
            self.entries, self.subject, self.law, self.sender, self.add, self.today, ref=self.ref
        )[1]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.entries)

    @property
    def broker_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    @property
    def domains(self) -> tuple[str, ...]:
        """Where an answer may come from: the recipient's domain and the brokers' own."""
        found = [email_domain(a) for a in self.recipient.split(",")]
        found += [normal(d) for e in self.entries for d in e.domains]
        return tuple(dict.fromkeys(d for d in found if d))


def _residence(subject: Subject, law: str) -> list[str]:
    home = next(iter(subject.current_addresses), None)
    if home is None:
        return []
    if law == "gdpr" or home.country.upper() != "US":
        return [f"- Country of residence: {home.country}"] if home.country else []
    if home.state:
        return [f"- State of residence: {US_STATES.get(home.state, home.state)}"]
    return []


def _extras(subject: Subject, fields: Iterable[str]) -> list[str]:
    home = next(iter(subject.current_addresses), None)
    values = {
        "city": home.city if home else "",
        "postcode": home.postcode if home else "",
        "street": home.street if home else "",
        "phone": subject.phones[0] if subject.phones else "",
        "birth-year": str(subject.birth_year or ""),
    }
    lines = []
    for name in fields:
        if name not in values:
            raise RegistryError(f"--add {name!r}: choose from {', '.join(EXTRA_FIELDS)}")
        if not values[name]:
            raise RegistryError(f"--add {name}: the profile has no {name}")
        lines.append(f"- {name.replace('-', ' ').capitalize()}: {values[name]}")
    return lines


def _greeting(entries: tuple[RegistryEntry, ...]) -> str:
    if len(entries) == 1:
        return f"Dear {entries[0].label} privacy team,"
    return "Dear privacy team,"


def build_message(
    entries: tuple[RegistryEntry, ...],
    subject: Subject,
    law: str,
    sender: str,
    add: Iterable[str] = (),
    today: date | None = None,
    *,
    ref: str,
) -> tuple[str, EmailMessage]:
    """The reference and the message for the registrations that share one address."""
    if not subject.emails and not sender:
        raise RegistryError("a deletion request needs your email address: add one to the profile")
    title, legal = wording(law)
    name = subject.primary.full
    day = today or date.today()
    lines = [_greeting(entries), "", legal, ""]
    if len(entries) > 1:
        lines += ["This request covers every business registered with this address:"]
        lines += [f"- {e.label}" for e in entries] + [""]
    lines += ["Details to find my record:", f"- Name: {name}"]
    lines += [f"- Email: {subject.emails[0] if subject.emails else sender}"]
    lines += _residence(subject, law) + _extras(subject, add)
    lines += [
        "",
        f"Please confirm in writing when this has been done, {DEADLINE_TEXT[law]}.",
        f"Reference: {ref}",
        "",
        name,
        day.isoformat(),
    ]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(entries[0].emails)
    message["Subject"] = f"{title} [{ref}]"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(idstring=ref, domain=sender.rpartition("@")[2] or None)
    message.set_content("\n".join(lines))
    return ref, message


def group_by_recipient(entries: Iterable[RegistryEntry]) -> dict[str, tuple[RegistryEntry, ...]]:
    """Registrations that write to the same first address, in catalogue order."""
    groups: dict[str, list[RegistryEntry]] = {}
    for entry in entries:
        if entry.email:
            groups.setdefault(entry.email.lower(), []).append(entry)
    return {recipient: tuple(group) for recipient, group in groups.items()}


def build_requests(
    entries: Iterable[RegistryEntry],
    subject: Subject,
    law: str,
    sender: str,
    add: Iterable[str] = (),
    today: date | None = None,
    refs: Mapping[str, str] | None = None,
) -> list[DeletionRequest]:
    """One request per recipient address among ``entries`` (web-form-only entries have none);
    a recipient in ``refs`` (asked before) keeps its reference."""
    extra = tuple(add)
    wording(law)  # a wrong law, a missing field or no email fail now, not half-way through a run
    _extras(subject, extra)
    if not subject.emails and not sender:
        raise RegistryError("a deletion request needs your email address: add one to the profile")
    return [
        DeletionRequest(
            (refs or {}).get(recipient) or new_ref(),
            recipient,
            group,
            law,
            subject,
            sender,
            extra,
            today,
        )
        for recipient, group in group_by_recipient(entries).items()
    ]


def select(entries: Iterable[RegistryEntry], only: Iterable[str]) -> list[RegistryEntry]:
    """Entries whose id, domain or name contains one of ``only`` (case-insensitive); all when
    ``only`` is empty."""
    wanted = [w.lower() for w in only if w.strip()]
    chosen = list(entries)
    if not wanted:
        return chosen
    return [
        e
        for e in chosen
        if any(w in e.id or w in e.label.lower() or any(w in d for d in e.domains) for w in wanted)
    ]


def write_drafts(requests: Iterable[DeletionRequest], folder: Path) -> list[Path]:
    """Each request as ``<ref>-<broker>.eml`` (mode 0600) in ``folder`` (created 0700), to open
    in a mail program and send by hand."""
    ensure_private_dir(folder)
    written = []
    for request in requests:
        target = folder / f"{request.ref}-{request.entries[0].id}.eml"
        written.append(write_private(target, request.message.as_bytes()))
    return written
