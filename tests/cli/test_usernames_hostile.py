"""Usernames against hostile input (issue 23, defects 12 and 13): a site list beside a schema
that lets anything through is still one line and exit 2, a username cannot move the hand-check
link, and ``usernames update`` falls back to the shipped schema when upstream's is unreachable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import respx
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.usernames.rules import build_request
from lowprofile.usernames.sites import parse_site_list, shipped_data_dir, updated_data_path
from lowprofile.usernames.update import DATA_URL, SCHEMA_URL

runner = CliRunner(env={"COLUMNS": "1000"})
SHIPPED = json.loads((shipped_data_dir() / "wmn-data.json").read_text("utf-8"))
TOP = {"license": SHIPPED["license"], "authors": SHIPPED["authors"], "categories": ["social"]}


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Example",
        "uri_check": "https://example.social/u/{account}",
        "e_code": 200,
        "e_string": 'class="profile"',
        "m_code": 404,
        "m_string": "No such user",
        "known": ["known1"],
        "cat": "social",
    }
    return base | changes


def write_list(folder: Path, schema: object, **changes: Any) -> Path:
    """A one-site list with ``schema`` beside it (as an updated list keeps its own)."""
    folder.mkdir(exist_ok=True)
    data = TOP | changes.pop("top", {})
    data["sites"] = [entry(**changes)]
    (folder / "wmn-data-schema.json").write_text(
        schema if isinstance(schema, str) else json.dumps(schema), "utf-8"
    )
    path = folder / "wmn-data.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


@pytest.mark.parametrize(
    ("schema", "changes", "says"),
    [
        ({}, {"headers": ["User-Agent", "x"]}, "headers: not an object"),
        ({}, {"top": {"categories": 7}}, "categories: not a list of text"),
        ({}, {"known": 7}, "known: not a list of text"),
        ({}, {"uri_pretty": {"x": 1}}, "uri_pretty: not text"),
        ({}, {"e_code": True}, "e_code: not an HTTP status code"),
        ("{not json", {}, "wmn-data-schema.json: not JSON"),
        ({"type": 7}, {}, "not a usable JSON Schema"),
        ({"$ref": "http://127.0.0.1:9/s.json"}, {}, "points outside the schema"),
        ({"$ref": "#/definitions/nothing"}, {}, "the schema cannot check the list"),
    ],
)
def test_a_permissive_schema_beside_the_list_is_one_line_exit_2(
    tmp_path: Path, schema: object, changes: dict[str, Any], says: str
) -> None:
    path = write_list(tmp_path / "list", schema, **changes)
    result = runner.invoke(app, ["usernames", "check", "jane", "--sites", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_username_stays_inside_the_links_path() -> None:
    hostile = "https://10.1/jane/../../x?y#z"
    [site] = parse_site_list(TOP | {"sites": [entry()]}, "t").sites
    for url in (site.profile_url(hostile), build_request(site, hostile).url):
        parts = urlsplit(url)
        assert (parts.scheme, parts.hostname) == ("https", "example.social"), url
        assert parts.query == "" and parts.fragment == "", url
        segments = parts.path.split("/")
        assert segments[:3] == ["", "u", segments[2]] and len(segments) == 3, url
        assert unquote(segments[2]) == hostile  # the whole name, as one escaped segment


def test_update_falls_back_to_the_shipped_schema(no_network: respx.MockRouter) -> None:
    no_network.get(SCHEMA_URL).mock(side_effect=httpx.ConnectError("unreachable"))
    shipped = (shipped_data_dir() / "wmn-data.json").read_text("utf-8")
    no_network.get(DATA_URL).respond(200, text=shipped)
    result = runner.invoke(app, ["usernames", "update"])
    assert result.exit_code == 0, result.output
    assert "checked against the schema shipped with lowprofile" in result.stderr
    assert "Site list updated" in result.stderr and updated_data_path().is_file()
    beside = updated_data_path().parent / "wmn-data-schema.json"
    assert json.loads(beside.read_text("utf-8")) == json.loads(
        (shipped_data_dir() / "wmn-data-schema.json").read_text("utf-8")
    )


def test_update_still_refuses_a_bad_list_without_the_schema(
    no_network: respx.MockRouter,
) -> None:
    no_network.get(SCHEMA_URL).respond(503, text="down")
    no_network.get(DATA_URL).respond(200, text='{"sites": "none"}')
    result = runner.invoke(app, ["usernames", "update"])
    assert result.exit_code == 2 and "not a WhatsMyName site list" in result.stderr
    assert not updated_data_path().exists()
