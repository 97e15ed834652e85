"""Two real offline scans with a GPS photo added between them: exactly one new exposure."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from helpers.photos import exif_block, jpeg, save
from lowprofile.cli.main import app

runner = CliRunner()


def test_new_gps_photo_is_one_new_exposure(tmp_path: Path) -> None:
    photos = tmp_path / "Pictures"
    photos.mkdir()
    jpeg(photos / "old.jpg", gps=(30.27, -97.74))
    save(photos / "plain.png", "PNG", exif=exif_block(gps=None, owner=None, serial=None))
    init = runner.invoke(app, ["init", "--name", "Jane Doe", "--photos", str(photos)])
    assert init.exit_code == 0, init.stderr
    scan = ["scan", "--only", "photos", "--quiet"]
    assert runner.invoke(app, scan).exit_code == 0  # one located photo is medium, under --fail-on
    jpeg(photos / "new.jpg", gps=(40.7128, -74.0060))
    assert runner.invoke(app, scan).exit_code == 0  # one located photo is medium, under --fail-on

    listing = runner.invoke(app, ["history", "list", "--json"])
    assert len(json.loads(listing.stdout)) == 2
    result = runner.invoke(app, ["history", "diff", "--json"])
    assert result.exit_code == 0, result.stderr
    changes = json.loads(result.stdout)
    assert set(changes) >= {"new", "resolved", "unchanged"}
    assert len(changes["new"]) == 1
    assert changes["new"][0]["where"] == str(photos / "new.jpg")
    assert changes["resolved"] == []
    assert [f["where"] for f in changes["unchanged"] if f["kind"] == "photo_location"] == [
        str(photos / "old.jpg")
    ]
    shown = runner.invoke(app, ["report", "latest", "--json"])
    assert len(json.loads(shown.stdout)["results"]) == 1


def test_no_save(tmp_path: Path) -> None:
    runner.invoke(app, ["scan", "--name", "Jane Doe", "--photos", str(tmp_path), "--only",
                        "photos", "--quiet", "--no-save"])  # fmt: skip
    result = runner.invoke(app, ["history", "list", "--json"])
    assert json.loads(result.stdout) == []
