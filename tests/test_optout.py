"""The deletion request drafted for brokers that take opt-outs by email."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes

import pytest

from lowprofile.optout.drafts import draft_request
from lowprofile.subject import Address, Name, Subject


def subject(state: str, country: str = "US") -> Subject:
    return Subject(
        names=(Name("Jane", "Doe", "Q"),),
        addresses=(Address("Springfield", state, country=country),),
        emails=("jane@example.com",),
        phones=("512-555-0142",),
        birth_year=1984,
    )


@pytest.mark.parametrize(
    ("state", "country", "words"),
    [("CA", "US", "California Consumer Privacy Act"), ("", "UK", "Article 17"),
     ("TX", "US", "Please remove all of my personal information")],
)  # fmt: skip
def test_draft_wording(state: str, country: str, words: str) -> None:
    message, mailto = draft_request(
        subject(state, country), "Example People", "privacy@example.com",
        ["https://example.com/p/1"], today=date(2026, 11, 24),
    )  # fmt: skip
    body = message.get_content()
    assert words in body or words in message["Subject"]
    assert "https://example.com/p/1" in body and "Jane Q Doe" in body
    assert "512" not in body and "1984" not in body  # only what is needed to find the record
    assert mailto.startswith("mailto:privacy@example.com?subject=")
    again = message_from_bytes(message.as_bytes())
    assert again["To"] == "privacy@example.com"
