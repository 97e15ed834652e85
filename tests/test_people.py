"""Every request, hand check and scan belongs to a person: two profiles on one machine never
see each other's, and the files of the previous release move in with every row kept."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.config import data_dir
from lowprofile.optout.model import Channel, RequestState
from lowprofile.optout.records import RequestLedger, people
from lowprofile.registry.ledger import Ledger
from lowprofile.store import Store
from lowprofile.subject import Subject, load_profile

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "migration"
"""A history.db and a registry/requests.db written by lowprofile at 2d4b06a (the release before
records had an owner): two scans, two opt-outs (one with a later event), two hand checks, and
three registry requests (sent, failed, answered)."""

JANE = 'names = [{ first = "Jane", last = "Doe" }]\nemails = ["jane@example.org"]\n'
JOHN = 'names = [{ first = "John", last = "Roe" }]\nemails = ["john@example.org"]\n'


def _profile(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_person_id_is_stable_and_names_no_one() -> None:
    one = Subject.from_profile({"names": [{"first": "Jane", "last": "Doe"}], "birth_year": 1980})
    other = Subject.from_profile({"names": [{"first": "JANE", "last": "doe"}]})
    assert one.person_id == other.person_id  # details and case do not split a person's records
    assert one.person_id != Subject.from_profile({"names": ["John Roe"]}).person_id
    assert "jane" not in one.person_id.lower() and one.person_id.startswith("p-")


def test_two_profiles_never_see_each_others_requests(tmp_path: Path) -> None:
    jane, john = _profile(tmp_path, "jane", JANE), _profile(tmp_path, "john", JOHN)
    done = runner.invoke(app, ["optout", "done", "spokeo", "--profile", str(jane)])
    assert done.exit_code == 0, done.output
    checked = runner.invoke(
        app, ["optout", "checked", "peoplewin", "--listed", "--profile", str(jane)]
    )
    assert checked.exit_code == 0, checked.output

    def ledger_of(who: Path) -> list[str]:
        scan = runner.invoke(
            app,
            ["scan", "--profile", str(who), "--only", "photos", "--photos", str(tmp_path),
             "--json", "-", "--quiet", "--no-save"],
        )  # fmt: skip
        return [entry["broker"] for entry in json.loads(scan.stdout).get("ledger", [])]

    assert ledger_of(jane) == ["spokeo"]  # the report does show a person's own requests
    assert ledger_of(john) == []
    johns = runner.invoke(app, ["optout", "status", "--json", "--profile", str(john)])
    assert johns.exit_code == 0 and johns.stdout.strip() == "[]"
    janes = runner.invoke(app, ["optout", "status", "--json", "--profile", str(jane)])
    assert '"broker": "spokeo"' in janes.stdout
    with RequestLedger(load_profile(john).person_id) as ledger:
        assert ledger.requests() == [] and ledger.hand_checks() == {}
    with RequestLedger(load_profile(jane).person_id) as ledger:
        assert [r.broker for r in ledger.requests()] == ["spokeo"]
        assert set(ledger.hand_checks()) == {"peoplewin"}


def test_history_diff_of_two_people_needs_any(tmp_path: Path) -> None:
    jane, john = _profile(tmp_path, "jane", JANE), _profile(tmp_path, "john", JOHN)
    for who in (jane, john):
        result = runner.invoke(
            app, ["scan", "--profile", str(who), "--only", "photos", "--photos", str(tmp_path),
                  "--quiet"],
        )  # fmt: skip
        assert result.exit_code in (0, 1), result.output
    with Store() as store:
        rows = store.scans(None)
    assert len({row.person for row in rows}) == 2
    first, second = str(rows[0].id), str(rows[1].id)
    refused = runner.invoke(app, ["history", "diff", first, second, "--profile", str(jane)])
    assert refused.exit_code != 0
    assert "another person's (add --any" in refused.output
    allowed = runner.invoke(app, ["history", "diff", first, second, "--any"])
    assert allowed.exit_code == 0, allowed.output
    assert "two different people's (--any)" in allowed.stdout
    mine = runner.invoke(app, ["history", "list", "--json", "--profile", str(john)])
    assert mine.stdout.count('"id"') == 1


def _older_files() -> Path:
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "history.db", folder / "history.db")
    (folder / "registry").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "registry" / "requests.db", folder / "registry" / "requests.db")
    return folder


def _count(path: Path, table: str) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        db.close()


def test_the_previous_release_s_files_move_in_with_every_row(tmp_path: Path) -> None:
    folder = _older_files()
    before = {
        t: _count(folder / "history.db", t)
        for t in ("scans", "optouts", "optout_events", "hand_checks")
    }
    registry_rows = _count(folder / "registry" / "requests.db", "requests")
    jane = _profile(tmp_path, "jane", JANE)
    person = load_profile(jane).person_id
    with RequestLedger(person) as ledger:
        requests = ledger.requests()
        checks = ledger.hand_checks()
        notes = list(ledger.notes)
    assert any("moved 7 opt-out record(s)" in n for n in notes), notes
    people_requests = [r for r in requests if r.channel is not Channel.REGISTRY]
    assert len(people_requests) == before["optouts"] == 2
    assert sum(len(r.events) for r in people_requests) == before["optout_events"] == 3
    assert len(checks) == before["hand_checks"] == 2
    registry = {r.ref: r for r in requests if r.channel is Channel.REGISTRY}
    assert len(registry) == registry_rows == 3
    assert registry["LP-0A1B2C3D"].state is RequestState.SUBMITTED
    assert registry["LP-0A1B2C3D"].due == date(2026, 3, 6)
    assert registry["LP-11223344"].state is RequestState.FAILED
    assert registry["LP-11223344"].brokers == ("beta", "beta-two")
    assert registry["LP-55667788"].state is RequestState.ANSWERED
    spokeo = next(r for r in people_requests if r.broker == "spokeo")
    assert spokeo.channel is Channel.STEPS and spokeo.listing.endswith("/p1")
    assert [e.state for e in spokeo.events][-1] is RequestState.CONFIRMED_REMOVED
    with Ledger(person) as view:
        assert {r.ref for r in view.rows()} == set(registry)
    with Store() as store:
        assert len(store.scans(None)) == before["scans"] == 2
        assert store.claim(person) == 2  # the scans go to the one profile there is
        assert len(store.scans(person)) == 2
    assert people() == [person]


def test_older_rows_go_to_the_default_profile_not_to_whoever_comes_first(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    _older_files()
    default = private_dirs["config"] / "profile.toml"
    default.parent.mkdir(parents=True, exist_ok=True)
    default.write_text(JANE, encoding="utf-8")
    jane = load_profile(default).person_id
    john = load_profile(_profile(tmp_path, "john", JOHN)).person_id
    with RequestLedger(john) as ledger:
        assert ledger.requests() == []  # John opened it first: the rows are still Jane's
    with RequestLedger(jane) as ledger:
        assert len(ledger.requests()) == 5


def test_a_request_of_another_person_cannot_be_moved(tmp_path: Path) -> None:
    from lowprofile.errors import StoreError
    from lowprofile.optout.model import RequestEvent
    from lowprofile.optout.records import by_hand

    with RequestLedger("p-jane") as ledger:
        theirs = ledger.add(by_hand("p-jane", "spokeo", date(2026, 1, 2), 30))
    event = RequestEvent(RequestState.FAILED, datetime.now(UTC))
    with RequestLedger("p-john") as ledger, pytest.raises(StoreError, match="not in this person"):
        ledger.add_events([(theirs, event)])
    with RequestLedger("p-jane") as ledger:
        assert [e.state for e in ledger.requests()[0].events] == [RequestState.AWAITING_REMOVAL]


def test_optout_status_shows_the_registry_requests_too_and_which_are_overdue(
    tmp_path: Path,
) -> None:
    from datetime import timedelta

    from lowprofile.registry.ledger import SENT

    jane = _profile(tmp_path, "jane", JANE)
    person = load_profile(jane).person_id
    with Ledger(person) as ledger:
        ledger.record(ref="LP-00000000000000AA", recipient="p@late.example", brokers=("late",),
                      names=("Late",), law="ccpa", state=SENT,
                      on=date.today() - timedelta(days=50))  # fmt: skip
    runner.invoke(app, ["optout", "done", "spokeo", "--profile", str(jane)])
    status = json.loads(
        runner.invoke(app, ["optout", "status", "--json", "--profile", str(jane)]).stdout
    )
    assert {(r["channel"], r["broker"], r["overdue"]) for r in status} == {
        ("registry", "late", True),
        ("hand", "spokeo", False),
    }
    table = runner.invoke(app, ["optout", "status", "--profile", str(jane)], env={"COLUMNS": "200"})
    assert "OVERDUE" in table.stdout and "LP-00000000000000AA" in table.stdout
