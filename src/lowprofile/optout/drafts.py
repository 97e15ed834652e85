"""What an opt-out asks for: the listings a scan found on a broker, and the deletion request
(the email and its ``mailto:`` link) for brokers that take them by email. The law, its wording
and the composing of the email are ``law.py``'s; where each request stands is the ledger's job
(``ledger.py``)."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from lowprofile.optout.law import Letter, compose, law_for, mailto
from lowprofile.results import ScanReport, Status
from lowprofile.subject import Subject


def listing_urls(report: ScanReport, broker: str) -> list[str]:
    """The listings a scan found on ``broker``: the pages to ask it to remove."""
    urls = [
        f.where
        for r in report.results
        if r.source == broker and r.status in (Status.FOUND, Status.POSSIBLE)
        for f in r.findings
        if f.where.startswith(("https://", "http://"))
    ]
    return list(dict.fromkeys(urls))


def draft_request(
    subject: Subject,
    broker_name: str,
    broker_email: str,
    listing_urls: list[str],
    today: date | None = None,
) -> tuple[EmailMessage, str]:
    """An email ready to send, with only what the broker needs to find the record, under the
    law of where the person lives now, and the ``mailto:`` link that opens the same email in the
    person's mail program."""
    current = subject.current_addresses
    name = subject.primary.full
    details = [f"- Name: {name}"]
    places = [a.label for a in current if a.label]
    if places:
        details.append(f"- Location shown: {places[0]}")
    details += [f"- Listing: {url}" for url in listing_urls]
    letter = Letter(
        law=law_for(current),
        to=(broker_email,),
        addressee=broker_name,
        name=name,
        details=details,
        sender=subject.emails[0] if subject.emails else "",
        day=today,
    )
    message = compose(letter)
    return message, mailto(message)
