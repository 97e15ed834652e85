"""The results model: statuses, severities, and a JSON round trip that loses nothing."""

from __future__ import annotations

import json
import os

import pytest

from lowprofile.results import CheckResult, Finding, Remedy, Severity, Status, json_text


def sample_result() -> CheckResult:
    finding = Finding(
        kind="broker_listing",
        title="Example lists your address",
        where="https://people.example/jane-doe/123",
        exposed=("name", "address", "relatives"),
        severity=Severity.HIGH,
        confidence=0.92,
        remedy=Remedy(
            action="optout",
            summary="Submit the opt-out form",
            url="https://people.example/optout",
            method="web form",
            requires=("email verification", "listing URL"),
            group="Example Inc.",
            minutes=5,
            recheck_days=30,
        ),
        evidence={"age": 41, "locations": ["Austin, TX"]},
        reasons=("name and city match",),
    )
    return CheckResult(
        checker="brokers",
        target="example: J*** D**",
        status=Status.FOUND,
        findings=(finding,),
        detail="1 listing",
        url="https://people.example/search",
        source="example",
        verified=False,
    )


def test_json_round_trip_is_lossless() -> None:
    result = sample_result()
    text = json.dumps(result.to_dict())
    assert CheckResult.from_dict(json.loads(text)) == result


def test_statuses_are_the_documented_eight() -> None:
    assert [s.value for s in Status] == [
        "found", "possible", "not_found", "blocked", "changed", "error", "manual", "skipped",
    ]  # fmt: skip


def test_only_found_and_possible_carry_findings() -> None:
    finding = sample_result().findings[0]
    with pytest.raises(ValueError, match="cannot carry findings"):
        CheckResult("brokers", "x", Status.NOT_FOUND, findings=(finding,))
    with pytest.raises(ValueError, match="cannot carry findings"):
        CheckResult("brokers", "x", Status.BLOCKED, findings=(finding,))


def test_severity_order() -> None:
    assert Severity.CRITICAL.at_least(Severity.HIGH)
    assert not Severity.LOW.at_least(Severity.MEDIUM)
    assert sample_result().worst_severity is Severity.HIGH


def test_confidence_is_bounded() -> None:
    with pytest.raises(ValueError, match="confidence"):
        Finding(kind="x", title="t", where="w", confidence=1.5)


def test_default_key_is_stable() -> None:
    a = Finding(kind="photo_metadata", title="a", where="/p/IMG_1.jpg")
    b = Finding(kind="photo_metadata", title="other title", where="/p/IMG_1.jpg")
    assert a.key == b.key == "photo_metadata:/p/IMG_1.jpg"


def test_hand_check_statuses() -> None:
    hand = {s for s in Status if s.needs_hand_check}
    assert hand == {Status.BLOCKED, Status.CHANGED, Status.ERROR, Status.MANUAL}


def test_json_text_is_valid_utf8_whatever_it_holds() -> None:
    """The fast path (no ``json_safe`` pass when nothing needs one) writes what the safe path
    writes: text as it is, and a name that is not UTF-8 (lone surrogates, in a key or deep in a
    value) as ``\\xNN``."""
    plain = {"where": "/home/jane/café.jpg", "n": [1, 2.5, None, True], "t": ("a", "b")}
    assert json_text(plain, indent=2) == json.dumps(plain, indent=2, ensure_ascii=False)
    name = os.fsdecode(b"/photos/caf\xe9.jpg")
    odd = {name: [{"where": name}], "plain": "x"}
    text = json_text(odd, indent=2)
    assert text.encode("utf-8")  # valid UTF-8
    assert json.loads(text) == {
        "/photos/caf\\xe9.jpg": [{"where": "/photos/caf\\xe9.jpg"}],
        "plain": "x",
    }
