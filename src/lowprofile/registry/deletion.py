"""Deletion requests to registered brokers: one message per recipient, holding the least data.

The law, its wording and the email itself come from ``optout.law`` (the one place each is
written). This module says what the message holds: what the law needs to find and delete a
record (name, email, state, or country under GDPR) and nothing more unless the person adds a
field with ``--add``. A broker registered under several names at one address (one registrant,
several trading names) gets one message naming them all. Every address the registration gives is
a recipient and is shown as one, except an address that names a person rather than a role
(``amy.eades@`` beside ``legal@``): that one is left out unless the person keeps it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

from lowprofile.domains import email_domain, normal
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.optout.law import Law, Letter, compose
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.errors import RegistryError
from lowprofile.subject import US_STATES, Subject

EXTRA_FIELDS = ("city", "postcode", "street", "phone", "birth-year")
"""What a person may add to the minimum with ``--add`` (some brokers ask for it to find you)."""

ROLE_WORDS = (
    "privacy", "legal", "dpo", "compliance", "support", "help", "info", "contact", "optout",
    "opt-out", "ccpa", "gdpr", "data", "consumer", "customer", "service", "admin", "operation",
    "security", "trust", "policy", "team", "office", "request", "delete", "remov", "registry",
    "rights", "notice", "inbox", "member", "sales", "account", "hello", "enquir", "inquir",
    "document", "department", "datenschutz",
)  # fmt: skip
"""Words that make a local part a role (a team's inbox), matched inside it (``privacyteam``)."""
_FIRST_LAST = re.compile(r"[a-z]+[._-][a-z]+(?:[._-][a-z]+)?")


def names_a_person(address: str) -> bool:
    """True for an address that reads as a person's own (``amy.eades@``, ``jordan_abbott@``):
    a first.last local part with no role word in it. A request sent there reaches one employee
    rather than the team that answers requests, and tells them who asked."""
    local = address.partition("@")[0].lower().partition("+")[0]
    return bool(_FIRST_LAST.fullmatch(local)) and not any(w in local for w in ROLE_WORDS)


def new_ref() -> str:
    """A new request's reference: it goes in the subject line so replies can be matched to the
    request, and it is the key a person uses to mark a request by hand. Random (64 bits) and
    stored with the request: a reference computed from the public address could be written by
    anyone into a fake "reply". A recipient asked before keeps the reference it was given."""
    return "LP-" + secrets.token_hex(8).upper()


@dataclass(frozen=True)
class DeletionRequest:
    """One message to one registered address (and every other address of that registration
    the person keeps), covering every registration that writes to that address.

    The message is built when first asked for: a preview of hundreds of requests shows one in
    full, and a paced run builds each just before it goes out.
    """

    ref: str
    recipient: str
    """The lead address: the ledger's key."""
    entries: tuple[RegistryEntry, ...]
    law: Law
    subject: Subject
    sender: str
    add: tuple[str, ...] = ()
    today: date | None = None
    recipients: tuple[str, ...] = ()
    """Every address the message goes to, the lead first (just the lead when empty)."""

    @property
    def to(self) -> tuple[str, ...]:
        return self.recipients or (self.recipient,)

    @property
    def shown_to(self) -> str:
        """Every recipient, for the preview, the progress line and the ledger."""
        return ", ".join(self.to)

    @cached_property
    def message(self) -> EmailMessage:
        return build_message(
            self.entries,
            self.subject,
            self.law,
            self.sender,
            self.add,
            self.today,
            self.to,
            ref=self.ref,
        )[1]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.entries)

    @property
    def broker_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    @property
    def domains(self) -> tuple[str, ...]:
        """Where an answer may come from: the recipients' domains and the brokers' own."""
        found = [email_domain(a) for a in self.to]
        found += [normal(d) for e in self.entries for d in e.domains]
        return tuple(dict.fromkeys(d for d in found if d))


def _residence(subject: Subject, law: Law) -> list[str]:
    home = next(iter(subject.current_addresses), None)
    if home is None:
        return []
    if law is Law.GDPR or not home.in_us:
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


def build_message(
    entries: tuple[RegistryEntry, ...],
    subject: Subject,
    law: Law,
    sender: str,
    add: Iterable[str] = (),
    today: date | None = None,
    to: tuple[str, ...] = (),
    *,
    ref: str,
) -> tuple[str, EmailMessage]:
    """The reference and the message for the registrations that share one address, to ``to``
    (default: every address of the first registration)."""
    if not subject.emails and not sender:
        raise RegistryError("a deletion request needs your email address: add one to the profile")
    recipients = to or entries[0].emails
    letter = Letter(
        law=law,
        to=recipients,
        addressee=entries[0].label if len(entries) == 1 else "",
        name=subject.primary.full,
        details=[
            f"- Name: {subject.primary.full}",
            f"- Email: {subject.emails[0] if subject.emails else sender}",
            *_residence(subject, law),
            *_extras(subject, add),
        ],
        sender=sender,
        ref=ref,
        covers=[e.label for e in entries] if len(entries) > 1 else (),
        day=today,
    )
    return ref, compose(letter)


def group_by_recipient(entries: Iterable[RegistryEntry]) -> dict[str, tuple[RegistryEntry, ...]]:
    """Registrations that write to the same first address, in catalogue order."""
    groups: dict[str, list[RegistryEntry]] = {}
    for entry in entries:
        if entry.email:
            groups.setdefault(entry.email.lower(), []).append(entry)
    return {recipient: tuple(group) for recipient, group in groups.items()}


def _addresses(group: tuple[RegistryEntry, ...]) -> tuple[str, ...]:
    """Every address of the registrations in ``group``, each once (case-insensitive), the
    shared lead first."""
    seen: dict[str, str] = {}
    for entry in group:
        for address in entry.emails:
            seen.setdefault(address.lower(), address)
    return tuple(seen.values())


def build_requests(
    entries: Iterable[RegistryEntry],
    subject: Subject,
    law: Law,
    sender: str,
    add: Iterable[str] = (),
    today: date | None = None,
    refs: Mapping[str, str] | None = None,
) -> list[DeletionRequest]:
    """One request per lead address among ``entries`` (web-form-only entries have none), sent
    to every address those registrations give; a lead in ``refs`` (asked before) keeps its
    reference."""
    extra = tuple(add)
    _extras(subject, extra)  # a missing field or no email fail now, not half-way through a run
    if not subject.emails and not sender:
        raise RegistryError("a deletion request needs your email address: add one to the profile")
    return [
        DeletionRequest(
            (refs or {}).get(lead) or new_ref(),
            lead,
            group,
            law,
            subject,
            sender,
            extra,
            today,
            _addresses(group),
        )
        for lead, group in group_by_recipient(entries).items()
    ]


def without_personal(
    entries: Iterable[RegistryEntry], keep: bool = False
) -> tuple[list[RegistryEntry], list[tuple[RegistryEntry, str]]]:
    """The entries with every address that names a person taken out (unless ``keep``), and
    what was taken out, to show. An entry left with no address falls back to its web form."""
    kept: list[RegistryEntry] = []
    left_out: list[tuple[RegistryEntry, str]] = []
    for entry in entries:
        personal = () if keep else tuple(a for a in entry.emails if names_a_person(a))
        left_out += [(entry, address) for address in personal]
        if personal:
            entry = replace(entry, emails=tuple(a for a in entry.emails if a not in personal))
        kept.append(entry)
    return kept, left_out


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
