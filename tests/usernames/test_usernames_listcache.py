"""Issue 24: a site list is checked once per version, and a kept check never outlives its list.

The kept outcome must give the very list a full check gives, skip the schema check (and the
import of jsonschema) when nothing changed, and be ignored whenever anything it depends on
changed: the list's bytes, the loopback setting, or the kept file itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lowprofile.usernames import sites as sites_module
from lowprofile.usernames.sites import SiteListError, read_site_file, shipped_data_dir

LICENSE = json.loads((shipped_data_dir() / "wmn-data.json").read_text("utf-8"))["license"]


def entry(name: str, uri: str, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "uri_check": uri,
        "e_code": 200,
        "e_string": "profile",
        "m_code": 404,
        "m_string": "",
        "known": ["known1"],
        "cat": "social",
        **more,
    }


def write_list(path: Path, *entries: dict[str, Any]) -> Path:
    data = {"license": LICENSE, "authors": ["t"], "categories": ["social"], "sites": entries}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


SAMPLE = (
    entry(
        "Posted",
        "https://a.example/api",
        post_body='{"u": "{account}"}',
        headers={"Content-Type": "application/json"},
        strip_bad_char=".",
    ),
    entry("Headed", "https://b.example/{account}", headers={"X-Key": "1"}, protection=["other"]),
    entry("Local", "http://127.0.0.1:9/u/{account}"),
)


@pytest.fixture(autouse=True)
def fresh_process_memory() -> Iterator[None]:
    """Each read below stands for a new run: the in-process memo is emptied around it."""
    sites_module._read_checked.cache_clear()
    yield
    sites_module._read_checked.cache_clear()


def kept_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "cache" / "usernames").glob("*.json"))


def test_a_kept_check_gives_the_list_a_full_check_gives(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    listed = write_list(tmp_path / "list.json", *SAMPLE)
    checked = read_site_file(listed)
    assert [s.name for s in checked.sites] == ["Posted", "Headed"]
    assert "internal address" in checked.problems[0]
    assert len(kept_files(private_dirs["data"])) == 1
    sites_module._read_checked.cache_clear()
    again = read_site_file(listed)
    assert again == checked
    assert again.sites[1].headers == (("X-Key", "1"),) and again.sites[1].protection == ("other",)


def test_a_second_run_does_not_check_the_schema_again(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    listed = write_list(tmp_path / "list.json", *SAMPLE[:2])
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from lowprofile.usernames.sites import read_site_file\n"
        f"names = [s.name for s in read_site_file(Path({str(listed)!r})).sites]\n"
        "print(names, 'jsonschema' in sys.modules)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[0].stdout.strip() == "['Posted', 'Headed'] True"
    assert runs[1].stdout.strip() == "['Posted', 'Headed'] False"


def test_a_changed_list_is_checked_again(tmp_path: Path, private_dirs: dict[str, Path]) -> None:
    listed = write_list(tmp_path / "list.json", *SAMPLE[:2])
    read_site_file(listed)
    sites_module._read_checked.cache_clear()
    write_list(listed, entry("Broken", "https://c.example/{account}", e_code="200"))
    with pytest.raises(SiteListError, match="not a WhatsMyName site list: sites/0"):
        read_site_file(listed)
    assert len(kept_files(private_dirs["data"])) == 1  # one kept file per list path


def test_the_loopback_setting_is_part_of_what_was_checked(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    listed = write_list(tmp_path / "list.json", *SAMPLE)
    assert "Local" in {s.name for s in read_site_file(listed, loopback=True).sites}
    sites_module._read_checked.cache_clear()
    refused = read_site_file(listed, loopback=False)
    assert "Local" not in {s.name for s in refused.sites}
    assert "internal address" in refused.problems[0]


@pytest.mark.parametrize(
    "damage",
    ["{not json", '{"key": "x", "outcome": {}}', "[]", "KEY-WITH-NONSENSE"],
)
def test_a_damaged_kept_file_is_a_miss_never_an_error(
    tmp_path: Path, private_dirs: dict[str, Path], damage: str
) -> None:
    listed = write_list(tmp_path / "list.json", *SAMPLE[:2])
    expected = read_site_file(listed)
    (kept,) = kept_files(private_dirs["data"])
    if damage == "KEY-WITH-NONSENSE":  # the right key over an outcome that is not a list
        held = json.loads(kept.read_text("utf-8"))
        damage = json.dumps({"key": held["key"], "outcome": {"sites": [{"name": 1}]}})
    kept.write_text(damage, encoding="utf-8")
    sites_module._read_checked.cache_clear()
    assert read_site_file(listed) == expected
    assert json.loads(kept.read_text("utf-8"))["outcome"]["sites"]  # kept anew
