"""What an opt-out asks for: the listings a scan found on a broker, and the deletion request
(its legal wording, the email and its ``mailto:`` link) for brokers that take them by email.
Where each request stands is the ledger's job (``ledger.py``)."""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from urllib.parse import quote

from lowprofile.errors import BrokerFileError
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


def deletion_wording(subject: Subject) -> tuple[str, str]:
    """The legal basis for the request: California's privacy law, GDPR, or a plain request."""
    states = {a.state for a in subject.addresses}
    countries = {a.country.upper() for a in subject.addresses}
    if "CA" in states and "US" in countries | {"US"}:
        return (
            "Request to delete personal information (California Consumer Privacy Act)",
            "Under the California Consumer Privacy Act, as amended by the CPRA (Cal. Civ. Code "
            "§ 1798.105), I request that you delete all personal information you hold about me, "
            "and that you direct your service providers to do the same. Please also treat this "
            "as a request to opt out of the sale and sharing of my personal information "
            "(§ 1798.120).",
        )
    eu = {"UK", "GB", "IE", "FR", "DE", "ES", "IT", "NL", "BE", "AT", "SE", "DK", "FI", "PT",
          "PL", "CZ", "GR", "HU", "RO", "BG", "HR", "SI", "SK", "LT", "LV", "EE", "LU", "MT",
          "CY", "EU"}  # fmt: skip
    if countries & eu:
        return (
            "Request for erasure under Article 17 GDPR",
            "Under Article 17 of the General Data Protection Regulation (and the UK GDPR where "
            "it applies), I request the erasure without undue delay of all personal data you "
            "hold about me, and that you inform any recipients of it (Article 19). I object to "
            "any further processing of my data (Article 21).",
        )
    return (
        "Request to remove my personal information",
        "Please remove all of my personal information from your website and records, and do "
        "not publish, sell or share it again.",
    )


def draft_request(
    subject: Subject,
    broker_name: str,
    broker_email: str,
    listing_urls: list[str],
    today: date | None = None,
) -> tuple[EmailMessage, str]:
    """An email ready to send, with only what the broker needs to find the record, and the
    ``mailto:`` link that opens the same email in the user's mail program."""
    for what, value in (("name", broker_name), ("email", broker_email)):
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            # A line break in a header would let a broker file add headers or recipients.
            raise BrokerFileError(f"the broker's {what} {value!r} holds a control character")
    subject_line, legal = deletion_wording(subject)
    name = subject.primary.full
    places = [a.label for a in subject.current_addresses if a.label]
    lines = [
        f"Dear {broker_name} privacy team,",
        "",
        legal,
        "",
        "Details to find my record:",
        f"- Name: {name}",
    ]
    if places:
        lines.append(f"- Location shown: {places[0]}")
    lines += [f"- Listing: {url}" for url in listing_urls]
    lines += [
        "",
        "Please confirm in writing when this has been done. I have not given, and do not give, "
        "consent to further publication.",
        "",
        name,
        (today or datetime.now().date()).isoformat(),
    ]
    body = "\n".join(lines)
    message = EmailMessage()
    message["To"] = broker_email
    message["Subject"] = f"{subject_line}: {name}"
    if subject.emails:
        message["From"] = subject.emails[0]
    message.set_content(body)
    mailto = f"mailto:{broker_email}?subject={quote(message['Subject'])}&body={quote(body)}"
    return message, mailto
