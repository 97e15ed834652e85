"""The README's settings table, ``config show`` and the code agree on every on/off default.

Issue 23.9: ``optout_retry`` defaulted to on in the code while the README said off, so the
monthly run resubmitted personal data unattended against what the person had read.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
_ROW = re.compile(r"^\| `([a-z_]+)` \| ([^|]+) \|")


def _readme_bool_defaults() -> dict[str, bool]:
    """Setting → the default the README's settings table gives it, for the on/off settings: the
    default cell starts with ``true`` or ``false``."""
    section = README.read_text(encoding="utf-8").split("\n## Settings\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    found: dict[str, bool] = {}
    for line in section.splitlines():
        match = _ROW.match(line)
        if match:
            first = match.group(2).strip().split(":")[0].strip()
            if first in ("true", "false"):
                found[match.group(1)] = first == "true"
    return found


def test_unattended_opt_out_retries_are_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOWPROFILE_OPTOUT_RETRY", raising=False)
    assert Settings().optout_retry is False
    shown = json.loads(CliRunner().invoke(app, ["config", "show"]).stdout)
    assert shown["optout_retry"] is False
    assert _readme_bool_defaults()["optout_retry"] is False


def test_every_documented_switch_has_the_code_default(monkeypatch: pytest.MonkeyPatch) -> None:
    documented = _readme_bool_defaults()
    switches = {f.name: f for f in fields(Settings) if f.type in ("bool", bool)}
    assert set(documented) == set(switches)  # every on/off setting is in the table, as on/off
    for switch in switches.values():
        monkeypatch.delenv(switch.metadata["env"], raising=False)
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    for name, field in switches.items():
        assert documented[name] == field.default == shown[name], name
