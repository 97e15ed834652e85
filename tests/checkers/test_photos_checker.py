"""The photo checker inside ``lowprofile scan``: findings per located photo, graded by place."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from helpers.photos import exif_block, jpeg, save
from lowprofile.checkers.base import load_checker, registered_checkers, select_checkers
from lowprofile.checkers.photos import PhotoChecker, library_findings
from lowprofile.config import Settings
from lowprofile.metadata.library import scan_library
from lowprofile.results import CheckResult, Severity, Status
from lowprofile.scan import run_scan
from lowprofile.subject import Address, Name, Subject

HOME = (30.27, -97.74)
SETTINGS = Settings(host_interval=0, backoff=0)


def library(folder: Path) -> Path:
    folder.mkdir()
    for i, offset in enumerate(
        (0.0, 0.0003, 0.0006)
    ):  # three photos within ~70 m of home, on three days
        jpeg(
            folder / f"home_{i}.jpg",
            gps=(HOME[0] + offset, HOME[1]),
            taken=f"2026:05:0{i + 1} 18:00:00",
        )
    jpeg(folder / "paris.jpg", gps=(48.8584, 2.2945))
    save(folder / "serial_only.jpg", "JPEG", exif=exif_block(gps=None))
    save(folder / "plain.png", "PNG")
    return folder


def run(subject: Subject) -> list[CheckResult]:
    specs, _ = select_checkers(["photos"])
    return list(asyncio.run(run_scan(subject, specs, SETTINGS)).results)


def subject_with(folder: Path, home: bool = True) -> Subject:
    address = Address(city="Austin", state="TX", lat=HOME[0], lon=HOME[1]) if home else None
    return Subject(
        names=(Name("Jane", "Example"),),
        addresses=(address,) if address else (),
        photo_dirs=(folder,),
    )


def test_registered_as_a_builtin() -> None:
    spec = registered_checkers()["photos"]
    assert spec.origin == "builtin"
    checker = load_checker(spec)
    assert isinstance(checker, PhotoChecker)
    assert checker.readiness(SETTINGS).ready


def test_cluster_near_home_is_high_severity(tmp_path: Path) -> None:
    (result,) = run(subject_with(library(tmp_path / "pics")))
    assert result.status is Status.FOUND
    assert result.detail.startswith("4 of 6 photos reveal a location")
    located = {Path(f.where).name: f for f in result.findings if f.kind == "photo_location"}
    assert set(located) == {"home_0.jpg", "home_1.jpg", "home_2.jpg", "paris.jpg"}
    for name in ("home_0.jpg", "home_1.jpg", "home_2.jpg"):
        finding = located[name]
        assert finding.severity is Severity.HIGH
        assert "near your home" in finding.title
        assert finding.evidence["cluster"]["distance_to_home_m"] < 100
        assert finding.evidence["map"].startswith("https://www.openstreetmap.org/?mlat=")
    assert located["paris.jpg"].severity is Severity.MEDIUM
    remedy = located["paris.jpg"].remedy
    assert remedy is not None and remedy.command == (
        f"lowprofile photos strip --in-place {tmp_path / 'pics' / 'paris.jpg'}"
    )
    (identity,) = [f for f in result.findings if f.kind == "photo_identity"]
    assert "serial_number" in identity.exposed and identity.severity is Severity.MEDIUM


def test_remedy_command_quotes_awkward_paths(tmp_path: Path) -> None:
    folder = tmp_path / "My Photos"
    folder.mkdir()
    jpeg(folder / "it's here.jpg")
    findings = library_findings(scan_library([folder]))
    command = next(f.remedy.command for f in findings if f.remedy and f.kind == "photo_location")
    assert command is not None and command.startswith("lowprofile photos strip --in-place '")
    assert "'\"'\"'" in command  # the apostrophe survives shell quoting


def test_clean_folder_is_not_found_and_missing_folder_is_an_error(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    save(clean / "plain.png", "PNG")
    missing = tmp_path / "nowhere"
    subject = Subject(names=(Name("Jane", "Example"),), photo_dirs=(clean, missing))
    results = {Path(r.target).name: r for r in run(subject)}
    assert results["clean"].status is Status.NOT_FOUND and results["clean"].findings == ()
    assert results["nowhere"].status is Status.ERROR


def test_folder_of_only_broken_photos_is_an_error_not_clean(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM")
    (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
    (result,) = run(subject_with(folder, home=False))
    assert result.status is Status.ERROR and "2 unreadable" in result.detail


def test_without_a_home_a_repeated_place_is_still_high(tmp_path: Path) -> None:
    (result,) = run(subject_with(library(tmp_path / "pics"), home=False))
    home_photos = [f for f in result.findings if Path(f.where).name.startswith("home_")]
    assert len(home_photos) == 3
    assert {f.severity for f in home_photos} == {Severity.HIGH}
    assert all("a place you return to often" in f.title for f in home_photos)


def test_one_afternoon_far_from_home_is_not_called_home(tmp_path: Path) -> None:
    """Five photos in twelve minutes somewhere: each reveals a place, none says "home"; the same
    afternoon at the profile's address does."""
    folder = tmp_path / "outing"
    folder.mkdir()
    for i in range(5):
        taken = f"2026:05:01 14:{i * 3:02d}:00"
        jpeg(folder / f"p{i}.jpg", gps=(HOME[0] + 0.05 + i * 1e-5, HOME[1]), taken=taken)
    (away,) = run(subject_with(folder))  # about 5.5 km from home
    assert len(away.findings) == 5  # one per photo (serials count only in unlocated ones)
    located = [f for f in away.findings if f.kind == "photo_location"]
    assert {f.severity for f in located} == {Severity.MEDIUM}
    assert all(f.title == "Photo reveals where it was taken" for f in located)
    assert located[0].evidence["cluster"]["days"] == 1
    (unknown,) = run(subject_with(folder, home=False))
    assert {f.severity for f in unknown.findings if f.kind == "photo_location"} == {Severity.MEDIUM}
    at_home = Subject(
        names=(Name("Jane", "Example"),),
        addresses=(Address(city="Austin", state="TX", lat=HOME[0] + 0.05, lon=HOME[1]),),
        photo_dirs=(folder,),
    )
    (home,) = run(at_home)
    located = [f for f in home.findings if f.kind == "photo_location"]
    assert {f.severity for f in located} == {Severity.HIGH}
    assert all("near your home" in f.title for f in located)


def test_folder_that_could_not_all_be_seen_is_not_clean(tmp_path: Path) -> None:
    """A FIFO among the photos (or a folder that cannot be listed) is never "nothing found"."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    folder = tmp_path / "pics"
    folder.mkdir()
    save(folder / "plain.png", "PNG")
    os.mkfifo(folder / "p.jpg")
    (result,) = run(subject_with(folder, home=False))
    assert result.status is Status.ERROR
    assert "1 not scanned" in result.detail and "p.jpg" in result.detail


def test_a_folder_with_some_broken_photos_says_those_were_not_checked(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    save(folder / "plain.png", "PNG")
    (folder / "a.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM")
    read, broken = run(subject_with(folder, home=False))
    assert read.status is Status.NOT_FOUND and "1 unreadable" in read.detail
    assert broken.status is Status.ERROR and broken.target == f"{folder} (1 unreadable)"
    assert "a.jpg" in broken.detail
