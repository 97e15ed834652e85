"""Sample findings of every family and a sample scan report, built from the real result types.

The shapes follow what the checkers produce (``checkers/brokers.py``, ``breaches/``,
``photos.py``); one finding is of a kind no module knows, to keep the renderers honest about it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lowprofile.plan import assess_report
from lowprofile.results import CheckResult, Finding, Remedy, ScanReport, Severity, Status


def listing(
    broker: str,
    parent: str,
    exposed: tuple[str, ...],
    severity: Severity,
    confidence: float = 0.9,
    optout_url: str | None = None,
) -> Finding:
    return Finding(
        kind="broker_listing",
        title=f"{broker} lists your {', '.join(e for e in exposed if e != 'name')}",
        where=f"https://www.{broker}.example/jane-doe/p1",
        exposed=exposed,
        severity=severity,
        confidence=confidence,
        remedy=Remedy(
            action="optout",
            summary=f"Request removal from {broker} (web form)",
            url=optout_url or f"https://www.{broker}.example/optout",
            method="web form",
            requires=("email verification", "listing URL"),
            group=parent,
            minutes=5,
            recheck_days=45,
        ),
        evidence={
            "broker": broker,
            "verified": False,
            "name": "Jane Q Doe",
            "age": 42,
            "locations": ["Austin, TX"],
            "addresses": ["12 Elm St, Austin, TX"] if "address" in exposed else [],
            "phones": ["512-555-0142"] if "phone" in exposed else [],
            "relatives": ["John Doe", "Mary Doe"] if "relatives" in exposed else [],
            "url": f"https://www.{broker}.example/jane-doe/p1",
        },
        reasons=("name and city match", "age 42 fits birth year 1984"),
        key=f"brokers:{broker}:jane",
    )


def breach(name: str, classes: tuple[str, ...], severity: Severity) -> Finding:
    password = any("password" in c.lower() for c in classes)
    return Finding(
        kind="breach",
        title=f"{name} breach (2019-05-01) leaked {', '.join(classes)}",
        where=f"https://{name.lower()}.example/",
        exposed=tuple(c.lower() for c in classes),
        severity=severity,
        remedy=Remedy(
            action="change_password" if password else "enable_mfa",
            summary=f"Change your {name} password and turn on multi-factor authentication"
            if password
            else f"Turn on multi-factor authentication and watch for phishing that uses {name}",
            url=f"https://{name.lower()}.example/",
            group="breached accounts",
            minutes=10,
        ),
        evidence={
            "breach": name,
            "title": name,
            "date": "2019-05-01",
            "data_classes": list(classes),
            "records": 152445165,
            "email": "j***@example.com",
            "sources": ["xposedornot"],
        },
        key=f"breach:{name.lower()}:abc",
    )


def photo(path: str, severity: Severity, distance_m: float | None = None) -> Finding:
    near = severity.at_least(Severity.HIGH)
    return Finding(
        kind="photo_location",
        title="Photo shows a place you return to often (4 photos there)"
        if near
        else "Photo reveals where it was taken",
        where=path,
        exposed=("gps", "capture_time"),
        severity=severity,
        remedy=Remedy(
            action="strip",
            summary="Remove the location and other metadata before sharing this photo",
            command=f"lowprofile photos strip {path}",
            group="photos",
            minutes=1,
        ),
        evidence={
            "lat": 30.267153,
            "lon": -97.743057,
            "taken": "2026:05:01 12:00:00",
            "map": "https://www.openstreetmap.org/?mlat=30.267153&mlon=-97.743057#map=18/30.267153/-97.743057",
            "cluster": {"count": 4, "distance_to_home_m": distance_m, "likely_home_or_work": near},
        },
        key=f"photo:{path}",
    )


def paste(paste_id: str) -> Finding:
    where = f"https://pastebin.com/{paste_id}"
    return Finding(
        kind="paste",
        title=f"Your email was posted in a Pastebin paste ({paste_id})",
        where=where,
        exposed=("email",),
        severity=Severity.MEDIUM,
        remedy=Remedy(action="review", summary="Check the paste; ask the site to remove it"),
        evidence={"source": "Pastebin", "id": paste_id, "date": "2024-02-02"},
        key=f"paste:pastebin:{paste_id}",
    )


def unknown_kind() -> Finding:
    """A kind from a third-party checker that nothing in lowprofile knows."""
    return Finding(
        kind="social_profile",
        title="A public profile shows your employer and street",
        where="https://social.example/janedoe",
        exposed=("employer", "address"),
        severity=Severity.HIGH,
        confidence=0.85,
        remedy=Remedy(
            action="settings",
            summary="Hide your employer and street on social.example",
            url="https://social.example/settings/privacy",
            minutes=4,
        ),
        evidence={"employer": "Acme Corp", "street": "Elm St", "followers": 312},
    )


def sample_results() -> list[CheckResult]:
    return [
        CheckResult(
            "brokers",
            "spokeo: J*** D**, A***** TX",
            Status.FOUND,
            source="spokeo",
            verified=False,
            findings=(
                listing(
                    "spokeo",
                    "Spokeo, Inc.",
                    ("name", "age", "address", "relatives"),
                    Severity.HIGH,
                    optout_url="https://www.spokeo.example/optout",
                ),
            ),
            detail="1 listing(s) match you",
        ),
        CheckResult(
            "brokers",
            "peoplewin: J*** D**, A***** TX",
            Status.FOUND,
            source="peoplewin",
            findings=(
                listing(
                    "peoplewin",
                    "Spokeo, Inc.",
                    ("name", "phone"),
                    Severity.HIGH,
                    optout_url="https://www.spokeo.example/optout",
                ),
            ),
        ),
        CheckResult(
            "brokers",
            "clustrmaps: J*** D**, A***** TX",
            Status.POSSIBLE,
            source="clustrmaps",
            findings=(
                listing("clustrmaps", "ClustrMaps", ("name", "locations"), Severity.MEDIUM, 0.6),
            ),
            detail="a listing partly matches you: check it",
        ),
        CheckResult(
            "brokers",
            "truepeoplesearch: J*** D**",
            Status.BLOCKED,
            source="truepeoplesearch",
            detail="bot wall (Cloudflare challenge)",
            url="https://www.truepeoplesearch.com/results?name=J",
        ),
        CheckResult(
            "brokers",
            "intelius: J*** D**",
            Status.MANUAL,
            source="intelius",
            url="https://www.intelius.com/",
            detail="no automated search: check by hand",
        ),
        CheckResult("brokers", "radaris: J*** D**", Status.NOT_FOUND, source="radaris"),
        CheckResult(
            "xposedornot",
            "j***@example.com",
            Status.FOUND,
            findings=(
                breach("Adobe", ("Email addresses", "Passwords"), Severity.HIGH),
                breach("Canva", ("Email addresses", "Names"), Severity.MEDIUM),
            ),
        ),
        CheckResult(
            "hibp",
            "j***@example.com",
            Status.FOUND,
            findings=(paste("Ab12Cd34"),),
        ),
        CheckResult(
            "photos",
            "/home/jane/Pictures",
            Status.FOUND,
            findings=(
                photo("/home/jane/Pictures/IMG_1.jpg", Severity.HIGH, 120.0),
                photo("/home/jane/Pictures/trip 2.jpg", Severity.MEDIUM),
            ),
            detail="2 of 40 photos reveal a location",
        ),
        CheckResult(
            "social", "janedoe", Status.FOUND, source="social.example", findings=(unknown_kind(),)
        ),
    ]


def sample_report(state: str = "TX") -> ScanReport:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    report = ScanReport(
        subject={
            "names": ["J*** Q D**"],
            "locations": [f"A*****, {state}"],
            "residence": [f"US-{state}"],
            "emails": ["j***@example.com"],
            "phones": ["***-***-**42"],
            "usernames": [],
            "photo_dirs": 1,
            "birth_year_given": True,
        },
        started=now,
        finished=now,
        checkers=["brokers", "xposedornot", "hibp", "photos", "social"],
        results=sample_results(),
    )
    assess_report(report)
    return report
