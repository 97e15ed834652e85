"""``history list`` shows who and what score, ``history diff`` the change in score, and
``history prune`` deletes old scans with every row of theirs."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.photos import jpeg
from lowprofile.cli.main import app
from lowprofile.errors import StoreError
from lowprofile.store import Store, history_path, subject_label

runner = CliRunner()


@pytest.fixture
def three_scans(tmp_path: Path) -> Path:
    """Three photo scans of Jane Doe, each with one more located photo than the last."""
    photos = tmp_path / "Pictures"
    photos.mkdir()
    init = runner.invoke(app, ["init", "--name", "Jane Doe", "--photos", str(photos)])
    assert init.exit_code == 0
    for number, place in enumerate([(30.27, -97.74), (40.71, -74.0), (48.85, 2.29)]):
        jpeg(photos / f"{number}.jpg", gps=place)
        assert runner.invoke(app, ["scan", "--only", "photos", "--quiet"]).exit_code in (0, 1)
    return photos


def _rows(table: str) -> list[int]:
    with sqlite3.connect(history_path()) as db:
        return [row[0] for row in db.execute(f"SELECT scan_id FROM {table}")]  # noqa: S608


def test_list_shows_the_subject_masked_and_the_score(three_scans: Path) -> None:
    rows = json.loads(runner.invoke(app, ["history", "list", "--json"]).stdout)
    assert [row["subject"] for row in rows] == ["J*** D**"] * 3
    scores = [row["score"] for row in rows]
    assert all(isinstance(s, int) for s in scores) and scores[0] < scores[-1]
    table = runner.invoke(app, ["history", "list"], env={"COLUMNS": "160"}).stdout
    assert "J*** D**" in table and "Jane" not in table
    assert re.search(rf"\b{scores[-1]}\b", table)


def test_diff_shows_the_change_in_score(three_scans: Path) -> None:
    rows = json.loads(runner.invoke(app, ["history", "list", "--json"]).stdout)
    old, new = rows[0]["score"], rows[2]["score"]
    result = runner.invoke(app, ["history", "diff", "1", "3"])
    assert result.exit_code == 0, result.stderr
    # Photo-only scans do not cover the person (issue 25): each score reads incomplete.
    assert f"score {old} (incomplete) → {new} (incomplete) (+{new - old})" in result.stdout
    data = json.loads(runner.invoke(app, ["history", "diff", "1", "3", "--json"]).stdout)
    assert data["score"]["change"] == new - old > 0
    assert len(data["new"]) == 2


def test_prune_keep_deletes_scans_and_their_rows(three_scans: Path) -> None:
    assert set(_rows("findings")) == {1, 2, 3}
    result = runner.invoke(app, ["history", "prune", "--keep", "1"])
    assert result.exit_code == 0, result.stderr
    assert "deleted 2 scan(s); 1 kept" in result.stderr
    assert [row["id"] for row in json.loads(
        runner.invoke(app, ["history", "list", "--json"]).stdout)] == [3]  # fmt: skip
    assert set(_rows("results")) == {3} and set(_rows("findings")) == {3}


def test_prune_before_a_day(three_scans: Path) -> None:
    with sqlite3.connect(history_path()) as db:
        db.execute("UPDATE scans SET started = '2025-06-30T23:59:00+00:00' WHERE id = 1")
        db.execute("UPDATE scans SET started = '2025-07-01T00:00:00+00:00' WHERE id = 2")
    result = runner.invoke(app, ["history", "prune", "--before", "2025-07-01"])
    assert result.exit_code == 0, result.stderr
    with Store() as store:
        assert [row.id for row in store.scans(None)] == [2, 3]
        # Both options: only a scan both would delete goes (2 is old, but among the newest 2).
        assert store.prune(None, keep=2, before=date(2026, 1, 1)) == 0
        assert store.prune(None, keep=1, before=date(2026, 1, 1)) == 1
    assert set(_rows("results")) == {3}


def test_prune_is_one_transaction(three_scans: Path) -> None:
    """A failure half way (here, on deleting the scans) leaves every row where it was."""
    with Store() as store:
        store.db.execute(
            "CREATE TRIGGER refuse BEFORE DELETE ON scans BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
        with pytest.raises(StoreError, match="no"):
            store.prune(None, keep=0)
        assert [row.id for row in store.scans(None)] == [1, 2, 3]
    assert set(_rows("findings")) == {1, 2, 3}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "--keep N"),
        (["--before", "2026-13-01"], "'2026-13-01' is not a date"),
        (["--before", "last week"], "is not a date"),
        (["--keep", "-1"], "--keep"),
    ],
)
def test_prune_input_errors(args: list[str], says: str) -> None:
    result = runner.invoke(app, ["history", "prune", *args])
    assert result.exit_code == 2
    assert says in result.stderr


def test_subject_label_masks_even_an_unmasked_report() -> None:
    assert subject_label({"names": ["Jane Doe", "Janie Doe"]}) == "J*** D** +1"
    assert subject_label({"names": ["J*** D**"]}) == "J*** D**"
    assert subject_label({"names": [], "emails": ["jane@example.com"]}) == "j***@example.com"
    assert subject_label({"names": [], "photo_dirs": 1}) == "photos only"


def test_prune_removes_the_evidence_of_the_pruned_scans(three_scans: Path) -> None:
    from lowprofile.browser.evidence import evidence_root

    for scan_id in (1, 2, 3):  # evidence folders as a scan leaves them, named by scan id
        folder = evidence_root() / str(scan_id) / "spokeo"
        folder.mkdir(parents=True)
        (folder / "page.html").write_text("<html></html>")
    outside = evidence_root().parent / "keep-me"
    outside.mkdir()
    result = runner.invoke(app, ["history", "prune", "--keep", "1"])
    assert "deleted 2 scan(s), and 2 evidence folder(s); 1 kept" in result.stderr
    assert sorted(p.name for p in evidence_root().iterdir()) == ["3"] and outside.is_dir()
