"""Registry against broker files (the broker file's way wins, and it is said), and every
recipient of a request shown where it is seen: the preview, the progress line, the ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from lowprofile.brokers.loader import load_brokers
from lowprofile.cli.main import app
from lowprofile.optout.law import Law
from lowprofile.registry.catalogue import load_catalogue, shipped_catalogue_path
from lowprofile.registry.crosscheck import crosscheck
from lowprofile.registry.deletion import names_a_person
from lowprofile.registry.match import match_all
from lowprofile.registry.prepare import prepare
from lowprofile.subject import Address, Name, Subject

if TYPE_CHECKING:
    from tests.registry.conftest import Mailbox

runner = CliRunner()
JANE = Subject(names=(Name("Jane", "Doe"),), addresses=(Address(city="Austin", state="TX"),),
               emails=("jane@example.com",))  # fmt: skip


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def profile(private_dirs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["init", "--name", "Jane Doe", "--state", "TX",
                                 "--email", "jane@example.com"])  # fmt: skip
    assert result.exit_code == 0, result.output


def test_every_shipped_broker_in_the_registry_is_asked_the_broker_files_way() -> None:
    entries = load_catalogue(shipped_catalogue_path()).entries
    sites = list(load_brokers().brokers.values())
    by_id = {s.id: s for s in sites}
    matched = match_all(entries, sites)
    assert len(matched) >= 30
    disagreements = crosscheck(entries, sites)
    prepared = prepare(entries, subject=JANE, law=Law.PLAIN, sender="", sites=sites)
    pending = {e.id for r in prepared.pending for e in r.entries}
    forms = {e.id: e for e in prepared.web_forms}
    for entry_id, site_ids in matched.items():
        optout = by_id[site_ids[0]].optout
        if optout.method == "email":
            asked = next(r for r in prepared.pending if entry_id in r.broker_ids)
            assert optout.email.lower() in [a.lower() for a in asked.to], entry_id
        else:
            # Every shipped broker file is a web form: the registry's address is not written to,
            # the broker file's page is given instead, and the disagreement is said.
            assert entry_id not in pending, entry_id
            assert forms[entry_id].optout_url == optout.url, entry_id
            said = disagreements[entry_id].sentence()
            assert by_id[site_ids[0]].id in said and optout.url in said
    assert {d.entry.id for d in prepared.disagreements} == set(disagreements)


@pytest.mark.usefixtures("profile")
def test_acxiom_is_its_web_form_in_the_requests_and_in_the_draft() -> None:
    result = runner.invoke(app, ["optout", "requests", "--only", "acxiom"])
    assert result.exit_code == 0, result.output
    out = _flat(result.stdout)
    assert (
        "Acxiom LLC: the registry gives email to Jordan.Abbott@acxiom.com, its broker file "
        "(acxiom) says web form at https://www.acxiom.com/optout/: using the broker file's"
    ) in out
    assert "Acxiom LLC: https://www.acxiom.com/optout/" in out
    assert "0 message(s) to write" in out

    draft = runner.invoke(app, ["optout", "draft", "acxiom"])
    assert draft.exit_code == 2
    assert "Acxiom takes opt-outs by web form: https://www.acxiom.com/optout/" in _flat(
        draft.stderr
    )
    assert "Datenschutz@acxiom.com" in _flat(draft.stderr)


@pytest.mark.usefixtures("profile")
def test_every_recipient_of_a_cell_is_shown_sent_and_recorded(
    smtp_server: Mailbox, tmp_path: Path
) -> None:
    csv = tmp_path / "two.csv"
    csv.write_text("Name,Email,Website\r\n"
                   "Acme Data,privacy@acme.example; spy@evil.example,acme.example\r\n",
                   encoding="utf-8")  # fmt: skip
    assert runner.invoke(app, ["registry", "update", str(csv)]).exit_code == 0
    both = "privacy@acme.example, spy@evil.example"

    preview = runner.invoke(app, ["optout", "requests"])
    assert f"Acme Data <{both}>" in _flat(preview.stdout)
    assert f"To: {both}" in preview.stdout

    sent = runner.invoke(app, ["optout", "requests", "--send", "--yes", "--interval", "0"])
    assert sent.exit_code == 0, sent.output
    assert f"{both}: sent" in _flat(sent.stderr)  # the progress line
    [(_, envelope)] = smtp_server.envelopes
    assert envelope == ["privacy@acme.example", "spy@evil.example"]

    status = json.loads(runner.invoke(app, ["registry", "status", "--json"]).stdout)
    [row] = status["requests"]
    assert row["recipient"] == both
    assert status["not_yet_asked"] == 0
    table = runner.invoke(app, ["registry", "status"], env={"COLUMNS": "200"})
    assert "spy@evil.example" in table.stdout
    again = runner.invoke(app, ["optout", "requests"])
    assert "0 message(s) to write" in again.stdout  # asked once, whichever address leads


@pytest.mark.parametrize(
    ("address", "personal"),
    [("amy.eades@altrata.com", True), ("Jordan.Abbott@acxiom.com", True),
     ("john_smith@x.example", True), ("legal@altrata.com", False), ("privacy.officer@x.example",
     False), ("dpo@x.example", False), ("privacy-requests@x.example", False),
     ("consumer.documents@x.example", False), ("americas.dpo@x.example", False)],
)  # fmt: skip
def test_an_address_naming_a_person_is_told_from_a_role(address: str, personal: bool) -> None:
    assert names_a_person(address) is personal


@pytest.mark.usefixtures("profile")
def test_the_named_person_at_altrata_is_left_out_unless_kept() -> None:
    result = runner.invoke(app, ["optout", "requests", "--only", "altrata"])
    assert result.exit_code == 0, result.output
    out = _flat(result.stdout)
    assert "left out, it names a person rather than a role: amy.eades@altrata.com" in out
    assert "To: legal@altrata.com\n" in result.stdout

    kept = runner.invoke(app, ["optout", "requests", "--only", "altrata", "--json",
                               "--keep-personal-addresses"])  # fmt: skip
    [pending] = json.loads(kept.stdout)["pending"]
    assert pending["to"] == ["legal@altrata.com", "amy.eades@altrata.com"]
