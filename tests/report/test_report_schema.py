"""docs/report-schema.json describes the JSON report, and the tests hold the two together."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from helpers.hostile import PAYLOADS, hostile_dict
from helpers.sample import sample_report
from lowprofile.plan import assess_report
from lowprofile.results import ScanReport

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "report-schema.json").read_text("utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def sample_json(state: str = "TX") -> dict[str, Any]:
    return json.loads(json.dumps(sample_report(state).to_dict()))


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("state", ["TX", "CA"])
def test_sample_reports_match(state: str) -> None:
    VALIDATOR.validate(sample_json(state))


def test_a_hostile_report_still_matches() -> None:
    """Hostile strings are still strings: the schema is about shape, renderers about safety."""
    data = hostile_dict("".join(PAYLOADS))
    del data["risk"], data["plan"]  # computed again from the hostile results, as a scan would
    report = ScanReport.from_dict(data)
    assess_report(report)
    VALIDATOR.validate(json.loads(json.dumps(report.to_dict())))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["results", 0, "status"], "probably_fine"),
        (["results", 0, "findings", 0, "severity"], "catastrophic"),
        (["results", 0, "findings", 0, "confidence"], 1.5),
        (["risk", "score"], 101),
        (["risk", "grade"], "meh"),
        (["risk", "surprise"], 1),
        (["plan", 0, "minutes"], "five"),
        (["plan", 0, "links"], [{"url": "https://x.example/"}]),
        (["plan", 0, "undocumented"], True),
        (["results", 0, "findings", 0, "remedy", "undocumented"], True),
    ],
)
def test_the_schema_rejects_what_it_does_not_describe(path: list[Any], value: Any) -> None:
    data = copy.deepcopy(sample_json())
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)


def test_every_risk_and_plan_field_is_documented() -> None:
    data = sample_json("CA")
    assert set(data["risk"]) == set(SCHEMA["properties"]["risk"]["properties"])
    action_fields = set(SCHEMA["$defs"]["action"]["properties"])
    for action in data["plan"]:
        assert set(action) == action_fields
