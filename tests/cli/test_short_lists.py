"""Issue 25: lists a person reads are one row per entry, cut to the width, never wrapped (URLs
whole in --json); the deletion-request preview shows one message and a summary, --all every
one."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lowprofile.cli.main import app

runner = CliRunner(env={"COLUMNS": "80"})
SAMPLE = Path(__file__).parent.parent / "fixtures" / "registry" / "registry-sample.csv"


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_brokers_list_is_one_row_per_broker_within_the_width() -> None:
    shown = runner.invoke(app, ["brokers", "list"])
    assert shown.exit_code == 0, shown.output
    listed = json.loads(runner.invoke(app, ["brokers", "list", "--json"]).stdout)
    lines = _lines(shown.stdout)
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert len(lines) <= len(listed) + 3  # a title, a header, one row each
    assert any(b["id"] in " ".join(lines) for b in listed)
    whole = [b for b in listed if len(str(b.get("optout", {}).get("url", ""))) > 40]
    assert whole and "…" in shown.stdout  # a long URL is cut here, whole in --json


def test_registry_list_is_one_row_per_entry_within_the_width() -> None:
    runner.invoke(app, ["registry", "update", str(SAMPLE)])
    shown = runner.invoke(app, ["registry", "list"])
    entries = json.loads(runner.invoke(app, ["registry", "list", "--json"]).stdout)
    lines = _lines(shown.stdout)
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert len(lines) == len(entries) + 2


def test_the_request_preview_lists_a_few_and_all_on_request() -> None:
    init = ["init", "--name", "Jane Doe", "--state", "TX", "--email", "jane@example.com"]
    assert runner.invoke(app, init).exit_code == 0
    short = runner.invoke(app, ["optout", "requests"], env={"COLUMNS": "400"})
    full = runner.invoke(app, ["optout", "requests", "--all"], env={"COLUMNS": "400"})
    pending = json.loads(runner.invoke(app, ["optout", "requests", "--json"]).stdout)["pending"]
    assert len(pending) > 10  # the shipped registry: hundreds of addresses
    assert f"+{len(pending) - 10} more messages: --all lists every one." in short.stdout

    def listed(out: str) -> int:  # references are new each run: count the addresses shown
        return sum(f"<{', '.join(r['to'])}>" in out for r in pending)

    assert listed(full.stdout) == len(pending)
    assert listed(short.stdout) == 10
    narrow = runner.invoke(app, ["optout", "requests"])
    assert len(_lines(narrow.stdout)) < 80
