"""`optout requests` end to end against a local SMTP server: what is sent, once, and recorded."""

from __future__ import annotations

import json
import re
import stat
from collections import Counter
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from lowprofile.brokers.loader import load_brokers
from lowprofile.cli.main import app
from lowprofile.mail import smtp
from lowprofile.registry.catalogue import load_catalogue
from lowprofile.registry.deletion import names_a_person
from lowprofile.registry.match import match_all

if TYPE_CHECKING:
    from tests.registry.conftest import Mailbox

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "registry"
SAMPLE = str(FIXTURES / "registry-sample.csv")
PERSON = {
    "name": "Jane Q Doe",
    "email": "jane@example.com",
    "city": "Wimberley",
    "zip": "78676",
    "phone": "512-555-0142",
    "birth": "1985",
}
NOT_SENT = (PERSON["city"], PERSON["zip"], "555-0142", "5125550142", PERSON["birth"])
HEADERS = {"From", "To", "Subject", "Date", "Message-ID"}
SEND = ["optout", "requests", "--send", "--yes", "--interval", "0"]


def _init(state: str = "TX") -> None:
    result = runner.invoke(
        app,
        ["init", "--name", PERSON["name"], "--city", PERSON["city"], "--state", state,
         "--zip", PERSON["zip"], "--email", PERSON["email"], "--phone", PERSON["phone"],
         "--birth-year", PERSON["birth"]],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def _details(body: str) -> list[str]:
    """The lines under "Details to find my record:" up to the blank line."""
    lines = body.splitlines()
    start = lines.index("Details to find my record:") + 1
    return lines[start : lines.index("", start)]


def _text(message: EmailMessage) -> str:
    """The body with the line endings of this platform (SMTP carries CRLF)."""
    return str(message.get_content()).replace("\r\n", "\n")


def _flat(text: str) -> str:
    """Console output with rich's line wrapping undone."""
    return " ".join(text.split())


def _status() -> dict:
    result = runner.invoke(app, ["registry", "status", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_fresh_install_sends_one_message_per_broker_address_then_nothing(
    smtp_server: Mailbox,
) -> None:
    _init()
    entries = load_catalogue().entries  # nothing imported: the shipped catalogue
    sites = load_brokers().brokers.values()
    assert {s.optout.method for s in sites} <= {"web form", "account"}
    by_site = set(match_all(entries, sites))  # asked through the broker file's web form
    expected = {
        next(a for a in e.emails if not names_a_person(a)).lower()
        for e in entries
        if e.id not in by_site and any(not names_a_person(a) for a in e.emails)
    }
    assert len(expected) >= 450

    result = runner.invoke(app, SEND)
    assert result.exit_code == 0, result.output

    firsts = Counter(rcpts[0].lower() for _, rcpts in smtp_server.envelopes)
    assert set(firsts) == expected
    assert set(firsts.values()) == {1}
    for message in smtp_server.messages:
        body = message.get_content()
        assert _details(body) == [
            "- Name: Jane Q Doe",
            "- Email: jane@example.com",
            "- State of residence: Texas",
        ]
        # Everything but Date and Message-ID, whose digits are the clock's and random.
        shown = "\n".join([body, *(str(message[h]) for h in ("From", "To", "Subject"))])
        shown = re.sub(r"LP-[0-9A-F]{16}", "LP-REF", shown)  # the reference is random digits too
        assert not [value for value in NOT_SENT if value in shown], message["To"]
        assert set(message.keys()) == {*HEADERS, "Content-Type", "Content-Transfer-Encoding",
                                       "MIME-Version"}  # fmt: skip
        assert message["From"] == "jane@example.com"

    again = runner.invoke(app, SEND)
    assert again.exit_code == 0, again.output
    assert "0 message(s) to write" in again.stdout
    assert len(smtp_server.messages) == len(expected)

    status = _status()
    today = date.today()
    assert {r["recipient"].split(",")[0].lower() for r in status["requests"]} == expected
    for row in status["requests"]:
        assert row["state"] == "submitted"
        assert row["sent"] == today.isoformat()
        assert row["due"] == (today + timedelta(days=45)).isoformat()
        assert row["overdue"] is False
    assert status["not_yet_asked"] == 0


def test_drafts_are_the_same_messages_private_and_then_sendable(
    smtp_server: Mailbox, tmp_path: Path
) -> None:
    _init()
    assert runner.invoke(app, ["registry", "update", SAMPLE]).exit_code == 0
    folder = tmp_path / "drafts"
    result = runner.invoke(app, ["optout", "requests", "--drafts", str(folder)])
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == []
    files = sorted(folder.glob("*.eml"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [stat.S_IMODE(f.stat().st_mode) for f in files] == [0o600] * len(files)
    drafts = {}
    for file in files:
        message = message_from_bytes(file.read_bytes(), policy=policy.default)
        drafts[message["To"]] = (message["Subject"], _text(message))
    # Five addresses: the two Pinecrest trading names share one (in two letter cases).
    assert sorted(drafts) == [
        "dsar@pinecrest.example",
        "legal@twoaddr.example, dpo@twoaddr.example",
        "privacy@brightline-data.example",
        "privacy@last.example",
    ]
    pinecrest = drafts["dsar@pinecrest.example"][1]
    assert "- Pinecrest Lists (Pinecrest Holdings, LLC)" in pinecrest
    assert "- Pinecrest Audiences (Pinecrest Holdings, LLC)" in pinecrest
    assert {r["state"] for r in _status()["requests"]} == {"drafted"}

    sent = runner.invoke(app, SEND)
    assert sent.exit_code == 0, sent.output
    received = {m["To"]: (m["Subject"], _text(m)) for m in smtp_server.messages}
    assert received == drafts
    assert {r["state"] for r in _status()["requests"]} == {"submitted"}


def test_preview_sends_nothing_and_lists_web_forms(smtp_server: Mailbox) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    result = runner.invoke(app, ["optout", "requests"])
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == []
    assert "4 message(s) to write" in result.stdout
    assert "  Formonly Inc.: https://formonly.example/delete" in result.stdout
    assert "  Badmail Corp: https://badmail.example/rights" in result.stdout
    assert _status()["requests"] == []


def test_california_resident_is_pointed_to_drop_first(smtp_server: Mailbox) -> None:
    _init(state="CA")
    runner.invoke(app, ["registry", "update", SAMPLE])
    result = runner.invoke(app, ["optout", "requests", "--only", "brightline"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "https://privacy.ca.gov/drop/" in out
    assert out.index("DROP") < out.index("message(s) to write")
    assert "California Consumer Privacy Act" in out
    assert "- State of residence: California" in out


def test_only_law_and_added_fields(smtp_server: Mailbox) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    result = runner.invoke(
        app, [*SEND, "--only", "last.example", "--law", "gdpr", "--add", "phone"]
    )
    assert result.exit_code == 0, result.output
    [message] = smtp_server.messages
    body = message.get_content()
    assert "Article 17" in body
    assert _details(body) == [
        "- Name: Jane Q Doe",
        "- Email: jane@example.com",
        "- Country of residence: US",
        "- Phone: 512-555-0142",
    ]
    [row] = _status()["requests"]
    sent = date.fromisoformat(row["sent"])
    month_later = date.fromisoformat(row["due"])
    assert row["law"] == "gdpr"
    assert (month_later.year * 12 + month_later.month) - (sent.year * 12 + sent.month) == 1


def test_site_already_opted_out_is_not_asked_again(smtp_server: Mailbox) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    assert runner.invoke(app, ["optout", "done", "acxiom"]).exit_code == 0
    result = runner.invoke(app, SEND)
    assert result.exit_code == 0, result.output
    assert "already asked through the site opt-out (acxiom): Acxiom LLC" in result.stdout
    recipients = {rcpts[0] for _, rcpts in smtp_server.envelopes}
    assert "privacy-test@acxiom.example" not in recipients
    assert len(recipients) == 4


def test_refused_recipient_is_recorded_and_retried_next_run(smtp_server: Mailbox) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    smtp_server.refuse = {"privacy@last.example"}
    result = runner.invoke(app, SEND)
    assert result.exit_code == 3
    states = {r["recipient"]: r["state"] for r in _status()["requests"]}
    assert states.pop("privacy@last.example") == "failed"
    assert set(states.values()) == {"submitted"}
    assert len(smtp_server.messages) == 3

    smtp_server.refuse = set()
    again = runner.invoke(app, SEND)
    assert again.exit_code == 0, again.output
    assert [m["To"] for m in smtp_server.messages[3:]] == ["privacy@last.example"]


def test_no_mail_server_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _init()
    monkeypatch.delenv("LOWPROFILE_SMTP_HOST", raising=False)
    result = runner.invoke(app, SEND)
    assert result.exit_code == 2
    assert "no mail server" in _flat(result.stderr)


def test_remote_server_without_starttls_is_refused(
    smtp_server: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    monkeypatch.setattr(smtp, "is_loopback", lambda host: False)
    result = runner.invoke(app, SEND)
    assert result.exit_code == 3
    assert "refusing to send your details in clear" in _flat(result.stderr)
    assert smtp_server.messages == []
    assert _status()["requests"] == []


def test_mark_by_hand_and_overdue(smtp_server: Mailbox) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    runner.invoke(app, [*SEND, "--only", "brightline", "--only", "last"])
    refs = {r["recipient"]: r["ref"] for r in _status()["requests"]}
    bright, last = refs["privacy@brightline-data.example"], refs["privacy@last.example"]
    result = runner.invoke(app, ["registry", "mark", bright, "--as", "confirmed", "--note", "done"])
    assert result.exit_code == 0, result.output
    wrong = runner.invoke(app, ["registry", "mark", last, "--as", "deleted"])
    assert wrong.exit_code == 2
    assert "not one of" in _flat(wrong.stderr)
    bad_date = runner.invoke(app, ["registry", "mark", last, "--as", "refused", "--date", "May"])
    assert bad_date.exit_code == 2
    runner.invoke(app, ["registry", "mark", last, "--as", "refused", "--date", "2026-01-02"])
    rows = {r["ref"]: r for r in _status()["requests"]}
    assert rows[bright]["state"] == "confirmed_removed"
    assert rows[last]["state"] == "refused"
    assert rows[last]["updated"] == "2026-01-02"
    table = runner.invoke(app, ["registry", "status"])
    assert "not yet asked" in table.stdout


def test_send_asks_first_and_no_sends_nothing(smtp_server: Mailbox) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    result = runner.invoke(app, ["optout", "requests", "--send", "--interval", "0"], input="n\n")
    assert result.exit_code == 1
    assert "Send 4 message(s) through 127.0.0.1 as jane@example.com?" in _flat(result.output)
    assert smtp_server.messages == []
    assert _status()["requests"] == []


def test_json_preview_lists_what_would_be_sent(smtp_server: Mailbox) -> None:
    _init()
    runner.invoke(app, ["registry", "update", SAMPLE])
    result = runner.invoke(app, ["optout", "requests", "--json", "--only", "pinecrest"])
    assert result.exit_code == 0, result.output
    preview = json.loads(result.stdout)
    [pending] = preview["pending"]
    assert pending["to"] == ["dsar@pinecrest.example"]
    assert pending["brokers"] == [
        "pinecrest-lists-pinecrest-holdings-llc",
        "pinecrest-audiences-pinecrest-holdings-llc",
    ]
    assert "- Name: Jane Q Doe" in pending["body"]
    assert smtp_server.messages == []


def test_hostile_registry_text_is_not_markup_or_terminal_codes(
    smtp_server: Mailbox, tmp_path: Path
) -> None:
    _init()
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(
        "Name,Email,Website\r\n"
        '"[bold red]Evil[/] \x1b[2J Broker \u202egpj.exe",privacy@evil.example,evil.example\r\n',
        encoding="utf-8",
    )
    assert runner.invoke(app, ["registry", "update", str(hostile)]).exit_code == 0
    result = runner.invoke(app, ["optout", "requests"])
    assert result.exit_code == 0, result.output
    assert "[bold red]Evil[/]" in result.stdout
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    listing = runner.invoke(app, ["registry", "list"])
    assert "\x1b" not in listing.stdout and "[bold" in listing.stdout
