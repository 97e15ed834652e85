"""Which law a request to a broker invokes, what it says under that law, and the one email
that carries it.

Decided in one place so ``optout draft``, the registry requests and the plan give one answer:

- **where the person lives now** decides, never where they lived: a person who moved from
  California to New York is no longer a California consumer (former addresses are left out here
  even when a caller passes them);
- California → the CCPA; the EU, the EEA and the UK → GDPR Article 17 (``countries``); anywhere
  else, or unknown → a plain request, which asks without claiming a right the person may not have.

Every request email, whoever asks for one, is composed by ``compose``: a header value holding a
line break or any other control character would let a broker file or a registry cell add
headers or recipients, so such a value is refused before any message exists; a broker's name,
which only the body holds, has its control characters shown as U+FFFD instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from lowprofile.countries import GDPR_COUNTRIES, normalize_country
from lowprofile.errors import ConfigError, ProfileError
from lowprofile.subject import Address


class Law(StrEnum):
    """The legal basis a deletion request names (the values are the ``--law`` words)."""

    CCPA = "ccpa"
    GDPR = "gdpr"
    PLAIN = "plain"

    @classmethod
    def parse(cls, text: str) -> Law:
        """``--law`` as typed; anything else is an input error listing the choices."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(law.value for law in cls)
            raise ConfigError(f"--law {text!r}: choose one of {choices}") from None


class UnsafeHeader(ConfigError):
    """A header value (a broker's name or address, a registry cell, a sender) holding a control
    character: input that cannot be used (exit 2), named with the header it was meant for."""


@dataclass(frozen=True)
class Wording:
    """What a request says under one law: its subject line, the legal paragraph, and the delay
    it asks the broker to answer within."""

    title: str
    legal: str
    deadline: str


WORDING: Mapping[Law, Wording] = {
    Law.CCPA: Wording(
        "Request to delete personal information (California Consumer Privacy Act)",
        "Under the California Consumer Privacy Act, as amended by the CPRA (Cal. Civ. Code "
        "§ 1798.105), I request that you delete all personal information you hold about me, "
        "and that you direct your service providers to do the same. Please also treat this "
        "as a request to opt out of the sale and sharing of my personal information "
        "(§ 1798.120).",
        "within the 45 days the law allows (Cal. Civ. Code § 1798.130)",
    ),
    Law.GDPR: Wording(
        "Request for erasure under Article 17 GDPR",
        "Under Article 17 of the General Data Protection Regulation (and the UK GDPR where "
        "it applies), I request the erasure without undue delay of all personal data you "
        "hold about me, and that you inform any recipients of it (Article 19). I object to "
        "any further processing of my data (Article 21).",
        "within one month, as Article 12(3) GDPR requires",
    ),
    Law.PLAIN: Wording(
        "Request to remove my personal information",
        "Please remove all of my personal information from your website and records, and do "
        "not publish, sell or share it again.",
        "within 45 days",
    ),
}


def law_for(current: Iterable[Address], country: str = "") -> Law:
    """The law for a person living at ``current`` (their current addresses; a former one passed
    by mistake is skipped), or in ``country`` when no current address says where they live.

    California wins over a second home in Europe: its law is the one a US broker must answer.
    """
    homes = [a for a in current if a.current]
    if any(a.in_us and a.state == "CA" for a in homes):
        return Law.CCPA
    countries = {a.country for a in homes} or {normalize_country(country)}
    if countries & GDPR_COUNTRIES:
        return Law.GDPR
    return Law.PLAIN


def law_from_summary(summary: Mapping[str, Any]) -> Law | None:
    """The law for a report's masked subject (its ``residence`` codes, ``US-CA`` or ``DE``), or
    None when the report does not say where the person lives now (no address, or a report
    written before ``residence`` existed, whose ``locations`` do not tell current from former)."""
    codes = [str(code) for code in summary.get("residence") or [] if str(code).strip()]
    if not codes:
        return None
    homes = []
    for code in codes:
        country, _, region = code.partition("-")
        try:
            homes.append(Address(state=region, country=country))
        except ProfileError:
            continue  # a hand-edited code we cannot read decides nothing
    return law_for(homes) if homes else None


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: each can end a header
# line in some reader, or hide what follows it.
_LINE_BREAKERS = {"\u2028", "\u2029"}


def _unsafe(value: str) -> bool:
    return any(unicodedata.category(c) == "Cc" or c in _LINE_BREAKERS for c in value)


def _one_line(value: str) -> str:
    """Body text from someone else (a broker's name) kept on its line: each control character
    shown as U+FFFD, so a name cannot add lines that read as the person's own words."""
    return "".join("\ufffd" if _unsafe(c) else c for c in value)


def _checked(header: str, value: str) -> str:
    if _unsafe(value):
        raise UnsafeHeader(f"the {header} {value!r} holds a control character")
    return value


@dataclass(frozen=True)
class Letter:
    """One request before it is an email: who it goes to, the law it names, and the least the
    broker needs to find the record (``details``, one "- Field: value" line each)."""

    law: Law
    to: Sequence[str]
    addressee: str
    """The broker's name for the greeting; empty for a message to several registrations."""
    name: str
    details: Sequence[str]
    sender: str = ""
    ref: str = ""
    """A reference for the subject line and the body, so replies can be matched."""
    covers: Sequence[str] = ()
    """The registrations one message covers, when there are several."""
    day: date | None = None


def _body(letter: Letter, wording: Wording) -> str:
    addressee = _one_line(letter.addressee)
    greeting = f"Dear {addressee} privacy team," if addressee else "Dear privacy team,"
    lines = [greeting, "", wording.legal, ""]
    if letter.covers:
        lines += ["This request covers every business registered with this address:"]
        lines += [f"- {_one_line(label)}" for label in letter.covers] + [""]
    lines += ["Details to find my record:", *letter.details, ""]
    lines += [
        f"Please confirm in writing when this has been done, {wording.deadline}. I have not "
        "given, and do not give, consent to further publication."
    ]
    if letter.ref:
        lines.append(f"Reference: {letter.ref}")
    lines += ["", letter.name, (letter.day or datetime.now().date()).isoformat()]
    return "\n".join(lines)


def compose(letter: Letter) -> EmailMessage:
    """The request email: every header value checked for control characters first."""
    if not letter.to:
        raise ConfigError("a request needs an address to go to")
    recipients = [_checked("recipient", address) for address in letter.to]
    sender = _checked("sender", letter.sender)
    _checked("reference", letter.ref)
    wording = WORDING[letter.law]
    title = f"{wording.title} [{letter.ref}]" if letter.ref else f"{wording.title}: {letter.name}"
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = _checked("subject", title)
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = sender.rpartition("@")[2]
    if domain:  # never the machine's own host name, which make_msgid falls back to
        message["Message-ID"] = make_msgid(idstring=letter.ref or None, domain=domain)
    message.set_content(_body(letter, wording))
    return message


def mailto(message: EmailMessage) -> str:
    """The ``mailto:`` link that opens the same email in the person's mail program."""
    to = ",".join(quote(a.strip(), safe="@") for a in str(message["To"]).split(","))
    body = quote(str(message.get_content()).rstrip("\n"))
    return f"mailto:{to}?subject={quote(str(message['Subject']))}&body={body}"
