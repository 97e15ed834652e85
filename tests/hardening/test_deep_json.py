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
