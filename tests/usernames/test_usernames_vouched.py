"""Issue 24: the list shipped with lowprofile is checked against WhatsMyName's schema here, once,
so that a person's first ``usernames check`` need not check it again (nor import jsonschema).

These tests are what the vouch rests on: the recorded hash is the shipped file's and
PROVENANCE.md's, and those very bytes pass the shipped schema and give the list a full check
gives. Any other list (a file the person names, a shipped file changed since) is still checked in
full.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lowprofile.usernames import sites as sites_module
from lowprofile.usernames.sites import (
    DATA_FILE,
    SCHEMA_FILE,
    SHIPPED_SHA256,
    load_sites,
    parse_site_list,
    read_site_file,
    schema_errors,
    schema_for,
    shipped_data_dir,
)

SHIPPED = shipped_data_dir() / DATA_FILE


@pytest.fixture(autouse=True)
def fresh_process_memory() -> None:
    """Each read below stands for a new run: the in-process memo is emptied first."""
    sites_module._read_checked.cache_clear()


@pytest.fixture
def schema_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources whose lists went through WhatsMyName's schema, in order."""
    seen: list[str] = []
    real = sites_module.schema_errors

    def spy(data: Any, schema: dict[str, Any] | None = None) -> list[str]:
        seen.append(str(len(data.get("sites", ()))) if isinstance(data, dict) else "?")
        return real(data, schema)

    monkeypatch.setattr(sites_module, "schema_errors", spy)
    return seen


def test_the_vouched_bytes_are_the_shipped_ones_and_pass_the_schema() -> None:
    raw = SHIPPED.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHIPPED_SHA256
    provenance = (shipped_data_dir() / "PROVENANCE.md").read_text("utf-8")
    assert f"| {DATA_FILE} | {SHIPPED_SHA256} |" in provenance
    data = json.loads(raw)
    assert schema_errors(data, schema_for(SHIPPED)) == []
    full = parse_site_list(data, str(SHIPPED), schema_for(SHIPPED))
    assert load_sites() == full  # the vouched read gives what a full check gives


def test_the_shipped_list_skips_the_schema(schema_checks: list[str]) -> None:
    assert len(load_sites().sites) > 700
    assert schema_checks == []


def test_a_named_copy_of_the_shipped_list_is_checked_in_full(
    tmp_path: Path, schema_checks: list[str]
) -> None:
    copy = tmp_path / DATA_FILE
    shutil.copyfile(SHIPPED, copy)
    assert len(read_site_file(copy).sites) > 700
    assert len(schema_checks) == 1


def test_a_shipped_file_changed_since_release_is_checked_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schema_checks: list[str]
) -> None:
    folder = tmp_path / "package-data"
    folder.mkdir()
    shutil.copyfile(shipped_data_dir() / SCHEMA_FILE, folder / SCHEMA_FILE)
    data = json.loads(SHIPPED.read_bytes())
    data["sites"][0]["e_code"] = "200"  # the schema wants a number
    (folder / DATA_FILE).write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(sites_module, "shipped_data_dir", lambda: folder)
    with pytest.raises(sites_module.SiteListError, match="not a WhatsMyName site list: sites/0"):
        load_sites()
    assert len(schema_checks) == 1


def test_a_first_run_on_the_shipped_list_does_not_import_jsonschema(
    private_dirs: dict[str, Path],
) -> None:
    code = (
        "import sys\n"
        "from lowprofile.usernames.sites import load_sites\n"
        "print(len(load_sites().sites) > 700, 'jsonschema' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True False"
    assert len(list((private_dirs["data"] / "cache" / "usernames").glob("*.json"))) == 1
