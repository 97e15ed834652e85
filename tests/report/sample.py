"""A sample scan report with one finding of each family, built from the real result types."""

from __future__ import annotations

from datetime import UTC, datetime

from lowprofile.plan import assess_report
from lowprofile.results import CheckResult, Finding, Remedy, Severity, Status
from lowprofile.scan import ScanReport


def listing(broker: str, parent: str, exposed: tuple[str, ...], severity: Severity) -> Finding:
    return Finding(
        kind="broker_listing",
        title=f"{broker} lists your address",
        where=f"https://www.{broker}.example/jane-doe/p1",
        exposed=exposed,
        severity=severity,
        confidence=0.9,
        remedy=Remedy(
            action="optout",
            summary="Opt out",
            url=f"https://www.{broker}.example/optout",
            method="web form",
            requires=("email verification",),
            group=parent,
            minutes=5,
            recheck_days=45,
        ),
        evidence={"broker": broker, "name": "Jane Doe", "age": 42, "locations": ["Austin, TX"]},
        reasons=("name and city match", "age 42 fits birth year 1984"),
        key=f"brokers:{broker}:jane",
    )


def breach(name: str, classes: tuple[str, ...], severity: Severity) -> Finding:
    return Finding(
        kind="breach",
        title=f"{name} breach (2019) leaked {', '.join(classes)}",
        where=f"https://{name.lower()}.example/",
        exposed=tuple(c.lower() for c in classes),
        severity=severity,
        remedy=Remedy(
            action="change_password",
            summary="Change it",
            url=f"https://{name.lower()}.example/",
            group="breached accounts",
            minutes=10,
        ),
        evidence={"breach": name, "date": "2019-05-01", "data_classes": list(classes)},
        key=f"breach:{name.lower()}:abc",
    )


def photo(path: str, severity: Severity) -> Finding:
    return Finding(
        kind="photo_location",
        title="Photo shows a place you return to often (4 photos there)",
        where=path,
        exposed=("gps", "capture_time"),
        severity=severity,
        remedy=Remedy(
            action="strip",
            summary="Strip it",
            command=f"lowprofile photos strip {path}",
            group="photos",
            minutes=1,
        ),
        evidence={"lat": 30.27, "lon": -97.74, "taken": "2026:05:01 12:00:00"},
        key=f"photo:{path}",
    )


def sample_report(state: str = "TX") -> ScanReport:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    results = [
        CheckResult(
            "brokers",
            "spokeo: J*** D**",
            Status.FOUND,
            source="spokeo",
            verified=False,
            findings=(
                listing(
                    "spokeo", "Spokeo, Inc.", ("name", "age", "address", "relatives"), Severity.HIGH
                ),
            ),
        ),
        CheckResult(
            "brokers",
            "peoplewin: J*** D**",
            Status.FOUND,
            source="peoplewin",
            findings=(listing("peoplewin", "Spokeo, Inc.", ("name", "phone"), Severity.HIGH),),
        ),
        CheckResult(
            "brokers",
            "truepeoplesearch: J*** D**",
            Status.BLOCKED,
            source="truepeoplesearch",
            detail="bot wall",
            url="https://www.truepeoplesearch.com/results?name=J",
        ),
        CheckResult(
            "brokers",
            "intelius: J*** D**",
            Status.MANUAL,
            source="intelius",
            url="https://www.intelius.com/",
        ),
        CheckResult(
            "xposedornot",
            "j***@example.com",
            Status.FOUND,
            findings=(breach("Adobe", ("Email addresses", "Passwords"), Severity.HIGH),),
        ),
        CheckResult(
            "photos",
            "/home/jane/Pictures",
            Status.FOUND,
            findings=(photo("/home/jane/Pictures/IMG_1.jpg", Severity.HIGH),),
        ),
    ]
    report = ScanReport(
        subject={
            "names": ["J*** D**"],
            "locations": [f"A***** {state}"],
            "emails": ["j***@example.com"],
            "phones": [],
            "usernames": [],
            "photo_dirs": 1,
            "birth_year_given": True,
        },
        started=now,
        finished=now,
        checkers=["brokers", "xposedornot", "photos"],
        results=results,
    )
    assess_report(report)
    return report
