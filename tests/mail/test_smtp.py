"""The one mail transport against a real SMTP server on 127.0.0.1: a server whose certificate
nobody vouches for gets no password and no mail, from a notification (``schedule test``) and from
a deletion request (``optout requests --send``) alike; with ``ca_bundle`` naming its authority
both go through, over STARTTLS and over implicit TLS."""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from helpers.smtpserver import LOGIN, SmtpLog, smtp_server
from helpers.testca import make_test_ca
from lowprofile.cli.main import app
from lowprofile.errors import ConfigError, SmtpError
from lowprofile.mail.smtp import Relay, send_mail

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src" / "lowprofile"
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "registry" / "registry-sample.csv"
NOTIFICATION = ["schedule", "test"]
REQUEST = ["optout", "requests", "--send", "--yes", "--interval", "0", "--only", "brightline"]
BOTH = pytest.mark.parametrize(
    "command", [NOTIFICATION, REQUEST], ids=["notification", "deletion-request"]
)


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_test_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def person(monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile, the sample registry, and mail settings with a login (the server's port is
    set by ``_point``)."""
    result = runner.invoke(
        app, ["init", "--name", "Jane Doe", "--state", "TX", "--email", "jane@example.com"]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["registry", "update", str(SAMPLE)]).exit_code == 0
    for name, value in {
        "HOST": "127.0.0.1",
        "USER": LOGIN[0],
        "PASSWORD": LOGIN[1],
        "FROM": "jane@example.com",
        "TO": "jane@example.com",
    }.items():
        monkeypatch.setenv(f"LOWPROFILE_SMTP_{name}", value)


def _point(monkeypatch: pytest.MonkeyPatch, log: SmtpLog, **settings: str) -> None:
    monkeypatch.setenv("LOWPROFILE_SMTP_PORT", str(log.port))
    for name, value in settings.items():
        monkeypatch.setenv(f"LOWPROFILE_{name.upper()}", value)


def _invoke(command: list[str]) -> Result:
    """``command`` with the CLI's log handler bound to this run's stderr (CliRunner closes each
    run's streams; the handler of an earlier run would write into a closed one)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_lowprofile", False)]:
        root.removeHandler(handler)
    return runner.invoke(app, command)


def _flat(text: str) -> str:
    return " ".join(text.split())


@BOTH
@pytest.mark.usefixtures("person")
def test_a_server_that_cannot_prove_itself_gets_no_password(
    command: list[str], test_ca: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server("starttls", test_ca) as log:
        _point(monkeypatch, log)
        result = _invoke(command)
    assert result.exit_code == 3, result.output
    assert log.logins == []  # no AUTH: the password never left
    assert log.messages == []
    said = _flat(result.stderr)
    assert said.count(f"mail server 127.0.0.1:{log.port}: its certificate could not be") == 1
    assert "Traceback" not in result.output
    assert LOGIN[1] not in result.output


@BOTH
@pytest.mark.usefixtures("person")
def test_with_ca_bundle_naming_its_authority_it_is_sent(
    command: list[str], test_ca: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server("starttls", test_ca) as log:
        _point(monkeypatch, log, ca_bundle=str(test_ca["ca"]))
        result = _invoke(command)
    assert result.exit_code == 0, result.output
    assert log.logins == [LOGIN]
    assert len(log.messages) == 1


@BOTH
@pytest.mark.usefixtures("person")
def test_implicit_tls_on_any_port_when_told(
    command: list[str], test_ca: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server("implicit", test_ca) as log:
        _point(monkeypatch, log, ca_bundle=str(test_ca["ca"]), smtp_security="ssl")
        result = _invoke(command)
    assert result.exit_code == 0, result.output
    assert log.logins == [LOGIN]
    assert len(log.messages) == 1


def test_implicit_tls_with_an_unknown_authority_is_refused(test_ca: dict[str, Path]) -> None:
    with smtp_server("implicit", test_ca) as log:
        relay = Relay("127.0.0.1", log.port, "ssl", *LOGIN)
        with pytest.raises(SmtpError, match="certificate could not be verified"):
            send_mail(relay, _message())
    assert log.logins == [] and log.messages == []


def test_starttls_asked_for_is_required_even_on_this_machine() -> None:
    with smtp_server("none") as log:
        with pytest.raises(SmtpError, match="offers no encryption"):
            send_mail(Relay("127.0.0.1", log.port, "starttls", *LOGIN), _message())
        assert log.logins == [] and log.messages == []
        send_mail(Relay("127.0.0.1", log.port, "auto", *LOGIN), _message())  # a local relay
    assert log.logins == [LOGIN] and len(log.messages) == 1


@pytest.mark.parametrize(
    ("security", "port", "implicit"),
    [("auto", 465, True), ("auto", 587, False), ("auto", 25, False), ("ssl", 2465, True),
     ("starttls", 465, False)],
)  # fmt: skip
def test_which_port_speaks_tls_first(security: str, port: int, implicit: bool) -> None:
    assert Relay("smtp.example.com", port, security).implicit_tls is implicit


def test_an_unknown_security_is_a_settings_error() -> None:
    with pytest.raises(ConfigError, match="smtp_security"):
        _ = Relay("smtp.example.com", 587, "tls").implicit_tls
    result = runner.invoke(app, ["schedule", "test"], env={"LOWPROFILE_SMTP_SECURITY": "tls"})
    assert result.exit_code == 2
    assert "smtp_security: 'tls' is not one of auto, ssl, starttls" in _flat(result.stderr)


@pytest.mark.parametrize("protocol", ["smtplib", "imaplib"])
def test_one_module_speaks_each_mail_protocol(protocol: str) -> None:
    pattern = re.compile(rf"^\s*(import {protocol}\b|from {protocol} import)", re.MULTILINE)
    speakers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )
    assert speakers == [f"mail/{protocol[:4]}.py"]


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = message["To"] = "jane@example.com"
    message["Subject"] = "test"
    message.set_content("hello")
    return message
