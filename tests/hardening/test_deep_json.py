"""JSON from outside nested deeper than the parser can follow (``[[[[…``) is malformed input:
one line naming the file, the command's bad-input exit code, and, in a definition set, the
other definitions still installed. Before, each of these ended in a RecursionError traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.safe_text import json_from_outside

DEEP = "[" * 100_000
runner = CliRunner()


def test_a_document_nested_too_deep_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        json_from_outside(DEEP)
    assert json_from_outside('{"a": [1]}') == {"a": [1]}


def test_a_deep_definition_is_refused_alone(tmp_path: Path, private_dirs: dict[str, Path]) -> None:
    sets = Path(__file__).resolve().parents[1] / "fixtures" / "brokers" / "sets" / "back"
    folder = tmp_path / "set"
    shutil.copytree(sets, folder)
    (folder / "deep.example.json").write_text(DEEP)
    result = runner.invoke(app, ["brokers", "update", str(folder), "--dry-run", "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    plan = json.loads(result.stdout)
    refused = [c for c in plan["changes"] if c["action"] == "refused"]
    assert [c["definition"] for c in refused] == ["deep.example.json"]
    assert "nested too deeply" in refused[0]["lines"][0]


@pytest.mark.parametrize(
    "command",
    [
        ["usernames", "check", "janeqdoe", "--sites", "{file}"],
        ["report", "{file}"],
    ],
)
def test_a_deep_file_is_one_line_and_exit_2(
    command: list[str], tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    result = runner.invoke(app, [part.replace("{file}", str(deep)) for part in command])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    said = result.stderr.strip()
    assert said.startswith("lowprofile: ") and "nested too deeply" in said and str(deep) in said


def test_a_set_with_nothing_readable_keeps_the_installed_one(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    """A broken download (every definition refused) must not replace the installed set with an
    empty one: one line, exit 2, and the recipes installed before are still there."""
    from lowprofile.brokers.installed import read_manifest

    sets = Path(__file__).resolve().parents[1] / "fixtures" / "brokers" / "sets" / "newer"
    good = tmp_path / "good"
    shutil.copytree(sets, good)
    for path in good.glob("*.json"):  # the fixture's local-site placeholder, as its tests do
        path.write_text(path.read_text("utf-8").replace("{base}", "http://127.0.0.1:9"))
    assert runner.invoke(app, ["brokers", "update", str(good)]).exit_code == 0
    before = read_manifest()
    assert before is not None and before.recipes
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.example.json").write_text(DEEP)
    (broken / "b.example.json").write_text('{"name":')
    result = runner.invoke(app, ["brokers", "update", str(broken)])
    assert result.exit_code == 2, result.output
    assert "none of its 2 definitions could be read" in " ".join(result.stderr.split())
    after = read_manifest()
    assert after is not None and after.recipes == before.recipes
