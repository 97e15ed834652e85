"""Masks and the log redactor: the user's details never reach a log unmasked."""

from __future__ import annotations

import logging

import pytest

from lowprofile.privacy import (
    RedactingFilter,
    Redactor,
    mask_email,
    mask_name,
    mask_phone,
)
from lowprofile.subject import subject_from_flags


def test_masks() -> None:
    assert mask_name("Jane Doe") == "J*** D**"
    assert mask_name("Jane Q Doe") == "J*** Q D**"
    assert mask_email("jane.doe@example.com") == "j***@example.com"
    assert mask_phone("512-555-0142") == "***-***-**42"


def test_redactor_masks_slugs_urls_and_case() -> None:
    subject = subject_from_flags(
        ["Jane Q Doe"],
        city="Austin",
        state="TX",
        emails=["jane@example.com"],
        phones=["512 555 0142"],
    )
    redact = subject.redactor()
    text = (
        "GET https://people.example/name/jane-doe/austin-tx -> 200; JANE DOE; "
        "email jane@example.com; q=Jane%20Q%20Doe phone 5125550142"
    )
    out = redact(text)
    for secret in (
        "jane",
        "Jane",
        "JANE",
        "doe",
        "Doe",
        "austin",
        "jane@example.com",
        "5125550142",
    ):
        assert secret not in out, (secret, out)
    assert "people.example" in out


def test_redactor_leaves_other_words() -> None:
    redact = Redactor(words=["Doe"])
    assert redact("Doesn't matter, Doe") == "Doesn't matter, D**"


def test_filter_applies_to_formatted_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("lowprofile.test")
    redactor = Redactor(words=["Jane", "Doe"], values=["Jane Doe"])
    caplog.handler.addFilter(RedactingFilter(redactor))
    with caplog.at_level(logging.DEBUG):
        logger.debug("searching %s in %s", "Jane Doe", "Austin")
    assert "Jane" not in caplog.text and "J*** D**" in caplog.text
