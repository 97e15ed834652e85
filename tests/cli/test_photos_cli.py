"""`lowprofile photos scan|strip` and the photo checker inside `lowprofile scan`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from lowprofile.cli.main import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "metadata"))
from photos import exif_block, jpeg, save  # noqa: E402

runner = CliRunner()


def library(folder: Path) -> Path:
    folder.mkdir()
    for i, offset in enumerate((0.0, 0.0003, 0.0006)):  # three photos within ~70 m
        jpeg(folder / f"home_{i}.jpg", gps=(30.27 + offset, -97.74))
    jpeg(folder / "trip.jpg", gps=(48.8584, 2.2945))
    save(folder / "plain.png", "PNG")
    save(folder / "serial_only.jpg", "JPEG", exif=exif_block(gps=None))
    (folder / "notes.txt").write_text("not a photo")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM")
    return folder


def test_scan_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["photos", "scan", str(library(tmp_path / "pics")), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    assert set(by_name) == {"home_0.jpg", "home_1.jpg", "home_2.jpg", "trip.jpg", "plain.png",
                            "serial_only.jpg", "broken.jpg"}  # fmt: skip
    assert set(by_name["trip.jpg"]) >= {"path", "format", "gps", "exposed", "error"}
    assert "broken.jpg" in result.stderr  # one warning line, and the scan went on
    assert by_name["trip.jpg"]["gps"]["lat"] == pytest_approx(48.8584)
    assert by_name["plain.png"]["gps"] is None and by_name["plain.png"]["error"] is None
    assert by_name["broken.jpg"]["gps"] is None
    big = data["clusters"][0]
    assert big["photos"] == 3 and big["likely_home_or_workplace"]
    assert big["map"].startswith("https://www.openstreetmap.org/")


def pytest_approx(value: float) -> object:
    import pytest

    return pytest.approx(value, abs=1e-5)


def test_scan_summary_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["photos", "scan", str(library(tmp_path / "pics"))])
    assert "4 of 7 photos reveal a location" in result.stdout


def test_corrupt_file_warns_and_scan_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    folder.mkdir()
    jpeg(folder / "ok.jpg")
    (folder / "bad.webp").write_bytes(b"RIFF\xff\xff\xff\x7fWEBPEXIF\xff\xff\xff\x7f")
    result = runner.invoke(app, ["photos", "scan", str(folder), "--json"])
    assert "bad.webp" in result.stderr and "warning" in result.stderr
    assert len(json.loads(result.stdout)["files"]) == 2


def test_strip_cli(tmp_path: Path) -> None:
    good = jpeg(tmp_path / "a.jpg")
    bad = tmp_path / "b.jpg"
    bad.write_bytes(good.read_bytes()[:300])
    result = runner.invoke(app, ["photos", "strip", str(good), str(bad), "--json"])
    assert result.exit_code == 1
    assert "NOT CLEANED" in result.stderr and "b.jpg" in result.stderr
    outcomes = {Path(o["path"]).name: o for o in json.loads(result.stdout)}
    assert outcomes["a.jpg"]["cleaned"] and not outcomes["b.jpg"]["cleaned"]
    assert (tmp_path / "a.clean.jpg").exists() and not (tmp_path / "b.clean.jpg").exists()
    ok = runner.invoke(app, ["photos", "strip", str(good), "--out", str(tmp_path / "out")])
    assert ok.exit_code == 0 and (tmp_path / "out" / "a.clean.jpg").exists()


def test_scan_with_photo_folder(tmp_path: Path) -> None:
    folder = library(tmp_path / "pics")
    result = runner.invoke(
        app,
        ["scan", "--name", "Jane Doe", "--photos", str(folder), "--only", "photos", "--json", "-"],
    )
    report = json.loads(result.stdout)
    findings = report["results"][0]["findings"]
    located = [f for f in findings if f["kind"] == "photo_location"]
    assert len(located) == 4
    assert {f["severity"] for f in located if "home_" in f["where"]} == {"high"}
    assert all(f["remedy"]["command"].startswith("lowprofile photos strip ") for f in located)
    assert any(f["kind"] == "photo_identity" for f in findings)
    assert result.exit_code == 1
