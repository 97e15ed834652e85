"""The loader's cache of validated broker files: unchanged files skip the schema, others do not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lowprofile.brokers import schema
from lowprofile.brokers.loader import load_brokers, user_brokers_dir
from lowprofile.resources import shipped_brokers_dir


@pytest.fixture
def schema_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which files the JSON Schema was run on (by their id)."""
    checked: list[str] = []
    real = schema.shape_problems

    def counting(data: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        checked.append(str(data.get("id")))
        return real(data)

    monkeypatch.setattr(schema, "shape_problems", counting)
    return checked


def user_copy(broker_id: str) -> Path:
    folder = user_brokers_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(shipped_brokers_dir() / f"{broker_id}.toml", folder))


def test_a_second_load_validates_nothing_and_gives_the_same_brokers(
    schema_checks: list[str],
) -> None:
    first = load_brokers()
    assert len(schema_checks) == len(first.brokers) and not first.problems
    schema_checks.clear()
    second = load_brokers()
    assert schema_checks == []
    assert second.brokers == first.brokers


def test_a_changed_file_is_validated_again_and_its_problem_reported(
    schema_checks: list[str],
) -> None:
    path = user_copy("spokeo")
    load_brokers()
    path.write_text(path.read_text("utf-8").replace('category = "', 'category = "nonsense-'))
    schema_checks.clear()
    again = load_brokers()
    assert schema_checks == ["spokeo"]
    assert any("spokeo.toml:category" in p for p in again.problems)
    schema_checks.clear()
    assert any("spokeo.toml:category" in p for p in load_brokers().problems)  # never cached
    assert schema_checks == ["spokeo"]


def test_other_rules_mean_validating_again(
    schema_checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_brokers()
    schema_checks.clear()
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")  # loopback URLs pass only with it
    load_brokers()
    assert len(schema_checks) > 100


def test_an_unreadable_cache_only_costs_time(schema_checks: list[str], tmp_path: Path) -> None:
    load_brokers()
    for cached in (tmp_path).rglob("brokers-validated.json"):
        cached.write_text("{not json")
    schema_checks.clear()
    assert load_brokers().brokers and len(schema_checks) > 100
