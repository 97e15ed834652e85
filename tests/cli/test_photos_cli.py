"""`lowprofile photos scan|strip` and the photo checker inside `lowprofile scan`."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from helpers.photos import exif_block, jpeg, save
from lowprofile.cli.main import app
from lowprofile.metadata.reader import read_metadata

runner = CliRunner()


def pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.tobytes()


def library(folder: Path) -> Path:
    folder.mkdir()
    for i, offset in enumerate((0.0, 0.0003, 0.0006)):  # three photos within ~70 m, on three days
        jpeg(
            folder / f"home_{i}.jpg",
            gps=(30.27 + offset, -97.74),
            taken=f"2026:05:0{i + 1} 18:00:00",
        )
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


# --- hostile input (issue: hardening) -----------------------------------------------------


def strip_run(*args: str) -> Any:
    return runner.invoke(app, ["photos", "strip", *args, "--json"])


def outcomes_of(result: Any) -> dict[str, dict[str, Any]]:
    return {o["path"]: o for o in json.loads(result.stdout)}


def has_gps(path: Path) -> bool:
    meta = read_metadata(path)
    return meta is not None and meta.gps is not None


def test_reencode_in_place_never_lands_on_another_photo(tmp_path: Path) -> None:
    """IMG_0001.tif and a different IMG_0001.jpg: the JPEG is cleaned over itself, the TIFF's
    JPEG gets another name (said), and only then does the TIFF go."""
    folder = tmp_path / "a"
    folder.mkdir()
    photo = jpeg(folder / "IMG_0001.jpg")
    before = pixels(photo)
    tiff = save(folder / "IMG_0001.tif", "TIFF", exif=exif_block())
    result = strip_run(str(folder), "--in-place", "--reencode")
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(folder)) == ["IMG_0001-2.jpg", "IMG_0001.jpg"]
    assert pixels(photo) == before and not has_gps(photo)  # the JPEG original, cleaned
    assert not has_gps(folder / "IMG_0001-2.jpg")
    outcome = outcomes_of(result)[str(tiff)]
    assert any("IMG_0001.jpg is another photo" in n for n in outcome["notes"])
    assert any("was removed" in n for n in outcome["notes"])
    assert "written as IMG_0001-2.jpg" in result.stderr


def test_reencode_in_place_keeps_a_jpeg_that_was_not_given(tmp_path: Path) -> None:
    photo = jpeg(tmp_path / "x.jpg")
    before = photo.read_bytes()
    tiff = save(tmp_path / "x.tif", "TIFF", exif=exif_block())
    result = strip_run(str(tiff), "--in-place", "--reencode")
    assert result.exit_code == 0, result.stderr
    assert photo.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["x-2.jpg", "x.jpg"]


def test_outputs_never_overwrite_each_other(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    photo = jpeg(folder / "IMG_0001.jpg")
    save(folder / "IMG_0001.tif", "TIFF", exif=exif_block())
    result = strip_run(str(folder), "--reencode")
    assert result.exit_code == 0, result.stderr
    assert pixels(folder / "IMG_0001.clean.jpg") == pixels(photo)  # the lossless one kept its name
    assert (folder / "IMG_0001-2.clean.jpg").exists()
    rerun = strip_run(str(folder), "--reencode")  # the outputs are skipped, and replaced
    assert rerun.exit_code == 0
    assert sorted(os.listdir(folder)) == ["IMG_0001-2.clean.jpg", "IMG_0001.clean.jpg",
                                          "IMG_0001.jpg", "IMG_0001.tif"]  # fmt: skip
    assert len([line for line in rerun.stderr.splitlines() if line.startswith("skipped ")]) == 2


def test_out_mirrors_folders_and_renames_clashes(tmp_path: Path) -> None:
    pics = tmp_path / "pics"
    for sub in ("a", "b"):
        (pics / sub).mkdir(parents=True)
        jpeg(pics / sub / "x.jpg", gps=(10.0 + len(sub), 20.0))
    out = tmp_path / "clean"
    result = strip_run(str(pics), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert (out / "a" / "x.clean.jpg").exists() and (out / "b" / "x.clean.jpg").exists()
    for folder in (out, out / "a", out / "b"):
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder
    flat = tmp_path / "new" / "flat"
    result = strip_run(str(pics / "a" / "x.jpg"), str(pics / "b" / "x.jpg"), "--out", str(flat))
    assert result.exit_code == 0
    assert sorted(os.listdir(flat)) == ["x-2.clean.jpg", "x.clean.jpg"]
    assert "written as x-2.clean.jpg" in result.stderr
    for folder in (flat, flat.parent):  # every level strip made, not only the last
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder


def test_in_place_on_a_link_cleans_the_photo(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    real = jpeg(tmp_path / "store" / "photo.jpg")
    link = tmp_path / "link.jpg"
    link.symlink_to(real)
    result = strip_run(str(link), "--in-place")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert not has_gps(real)
    assert sorted(os.listdir(tmp_path / "store")) == ["photo.jpg"]
    twice = strip_run(str(link), str(real), "--in-place")  # one photo, two paths: cleaned once
    assert twice.exit_code == 0 and "the same photo as" in twice.stderr


def test_only_our_own_outputs_are_skipped(tmp_path: Path) -> None:
    water = jpeg(tmp_path / "beach.clean.water.jpg")
    ours = jpeg(tmp_path / "old.clean.JPG")
    result = strip_run(str(tmp_path))
    assert result.exit_code == 0, result.stderr
    outcomes = outcomes_of(result)
    assert outcomes[str(water)]["cleaned"]
    assert outcomes[str(ours)]["skipped"] and not outcomes[str(ours)]["cleaned"]
    assert f"skipped {ours}" in result.stderr


def test_unreadable_folder_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that cannot be listed is NOT CLEANED and the exit code says so (faked through
    scandir, because the tests may run as root, who can read a 0000 folder)."""
    pics = tmp_path / "pics"
    (pics / "locked").mkdir(parents=True)
    jpeg(pics / "ok.jpg")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = strip_run(str(pics))
    assert result.exit_code == 1
    assert "NOT CLEANED" in result.stderr and "cannot read this folder" in result.stderr
    assert (pics / "ok.clean.jpg").exists()


def test_link_to_a_folder_is_reported(tmp_path: Path) -> None:
    pics = tmp_path / "pics"
    pics.mkdir()
    (tmp_path / "elsewhere").mkdir()
    jpeg(tmp_path / "elsewhere" / "x.jpg")
    (pics / "linked").symlink_to(tmp_path / "elsewhere")
    result = strip_run(str(pics))
    assert result.exit_code == 1 and "a link to a folder, not followed" in result.stderr


def test_fifo_and_device_in_a_folder(tmp_path: Path) -> None:
    pics = tmp_path / "pics"
    pics.mkdir()
    os.mkfifo(pics / "p.jpg")
    (pics / "z.jpg").symlink_to("/dev/zero")
    jpeg(pics / "ok.jpg")
    result = strip_run(str(pics))
    assert result.exit_code == 1
    assert "a FIFO" in result.stderr and "a character device" in result.stderr
    assert (pics / "ok.clean.jpg").exists()


def test_control_codes_in_names_never_reach_the_terminal(tmp_path: Path) -> None:
    name = "\x1b]0;owned\x07\x1b[2Jx\u202egpj.exe\ncleaned secret.jpg -> ok.jpg"
    photo = jpeg(tmp_path / name)
    result = runner.invoke(app, ["photos", "strip", str(photo)])
    assert result.exit_code == 0
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in result.stderr
    assert "\\x1b]0;owned\\x07" in result.stderr and "\\u202e" in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("cleaned ")]
    assert len(lines) == 1 and "\\ncleaned secret.jpg" in lines[0]  # no forged second line
    scan = runner.invoke(app, ["photos", "scan", str(tmp_path)])
    assert "\x1b" not in scan.stdout + scan.stderr


def test_names_that_are_not_utf8(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.jpg"
    with open(raw, "wb") as handle:
        handle.write(jpeg(tmp_path / "source.jpg").read_bytes())
    (tmp_path / "source.jpg").unlink()
    scan = runner.invoke(app, ["photos", "scan", str(tmp_path), "--json"])
    text = scan.stdout_bytes.decode("utf-8")  # strict: valid UTF-8 or this raises
    assert json.loads(text)["files"][0]["path"].endswith("caf\\xe9.jpg")
    result = runner.invoke(app, ["photos", "strip", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout_bytes.decode("utf-8"))
    assert os.path.exists(os.fsencode(tmp_path) + b"/caf\xe9.clean.jpg")
    assert "caf\\xe9.jpg" in result.stderr


def test_stale_temporary_files_of_ours_are_removed(tmp_path: Path) -> None:
    photo = jpeg(tmp_path / "x.jpg")
    stale = tmp_path / ".x.jpg.abcd1234.tmp"
    fresh = tmp_path / ".x.jpg.efgh5678.tmp"
    other = tmp_path / ".notes.txt.abcd1234.tmp"
    for path in (stale, fresh, other):
        path.write_bytes(b"half")
    old = time.time() - 3600
    for path in (stale, other):
        os.utime(path, (old, old))
    result = runner.invoke(app, ["photos", "strip", str(photo), "--in-place"])
    assert result.exit_code == 0
    assert "removed 1 temporary file(s)" in result.stderr
    assert not stale.exists() and fresh.exists() and other.exists()


def test_one_folder_fsync_per_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lowprofile import files
    from lowprofile.metadata import strip_plan

    for i in range(4):
        jpeg(tmp_path / f"p{i}.jpg")
    synced: list[Path] = []
    file_syncs: list[int] = []
    monkeypatch.setattr(strip_plan, "fsync_dir", synced.append)
    real_fsync = os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: file_syncs.append(fd) or real_fsync(fd))
    run = strip_plan.run_strip([tmp_path], in_place=True)
    assert all(o.cleaned for o in run.outcomes)
    assert synced == [tmp_path]  # the folder once, after all renames
    assert len(file_syncs) == 4  # every file's data before its rename


def test_reencode_in_place_through_a_link_says_the_link_dangles(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    tiff = save(tmp_path / "store" / "scan.tif", "TIFF", exif=exif_block())
    link = tmp_path / "scan.tif"
    link.symlink_to(tiff)
    result = strip_run(str(link), "--in-place", "--reencode")
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "store")) == ["scan.jpg"]
    assert not has_gps(tmp_path / "store" / "scan.jpg")
    assert "now points at nothing" in result.stderr


def test_photos_scan_says_what_it_could_not_read(tmp_path: Path) -> None:
    """A FIFO named like a photo is neither read (it would hang) nor passed over in silence."""
    os.mkfifo(tmp_path / "p.jpg")
    result = CliRunner().invoke(app, ["photos", "scan", str(tmp_path)])
    assert result.exit_code == 3
    assert "not scanned:" in result.output and "p.jpg" in result.output


# --- the plan's strip command (issue 12) ---------------------------------------------------


def scan_report(folder: Path) -> dict[str, Any]:
    args = ["scan", "--name", "Jane Doe", "--photos", str(folder), "--only", "photos"]
    result = runner.invoke(app, [*args, "--json", "-"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_running_the_plans_strip_command_lowers_the_next_score(tmp_path: Path) -> None:
    """The command the plan prints, run word for word, leaves nothing for the next scan to find,
    and the photos keep their names, modes and dates."""
    folder = library(tmp_path / "my pics")  # a space: the command must quote it
    (folder / "home_0.jpg").chmod(0o644)
    os.utime(folder / "home_0.jpg", ns=(1_400_000_000_000_000_000,) * 2)
    before = scan_report(folder)
    assert before["risk"]["score"] > 0
    (action,) = [a for a in before["plan"] if a["id"] == "photos"]
    words = shlex.split(action["command"])
    assert words[:4] == ["lowprofile", "photos", "strip", "--in-place"]
    ran = runner.invoke(app, words[1:])
    assert ran.exit_code == 0, ran.output
    after = scan_report(folder)
    assert after["risk"]["score"] < before["risk"]["score"]
    assert after["risk"]["score"] == 0 and not [a for a in after["plan"] if a["id"] == "photos"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["home_0.jpg", "home_1.jpg", "home_2.jpg", "trip.jpg", "plain.png", "serial_only.jpg",
         "notes.txt", "broken.jpg"]
    )  # fmt: skip
    kept = (folder / "home_0.jpg").stat()
    assert kept.st_mode & 0o777 == 0o644 and kept.st_mtime_ns == 1_400_000_000_000_000_000


def test_photos_scan_is_not_clean_when_a_photo_could_not_be_read(tmp_path: Path) -> None:
    """A JPEG cut before its image data may have held GPS past the cut: no "0 of N" exit 0."""
    (tmp_path / "cut.jpg").write_bytes(b"\xff\xd8\xff")
    result = CliRunner().invoke(app, ["photos", "scan", str(tmp_path)])
    assert result.exit_code == 3
    assert "truncated" in result.output
