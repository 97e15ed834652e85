"""The mailer against a local aiosmtpd server with a login: the password comes from the env."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from helpers.records import PERSON
from lowprofile.config import load_settings
from lowprofile.errors import SmtpError
from lowprofile.mail.smtp import Relay
from lowprofile.optout.law import Law
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.deletion import build_requests
from lowprofile.registry.errors import RegistryError
from lowprofile.registry.ledger import Ledger
from lowprofile.registry.mailer import SmtpAccount, send_requests
from lowprofile.subject import Address, Name, Subject


class _Server:
    def __init__(self) -> None:
        self.logins: list[tuple[str, str]] = []
        self.received = 0

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        pair = (data.login.decode(), data.password.decode())
        self.logins.append(pair)
        return AuthResult(success=pair == ("jane", "s3cret-pass"), handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received += 1
        return "250 OK"


@pytest.fixture
def auth_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    handler = _Server()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=handler.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    monkeypatch.setenv("LOWPROFILE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LOWPROFILE_SMTP_PORT", str(port))
    monkeypatch.setenv("LOWPROFILE_SMTP_USER", "jane")
    monkeypatch.setenv("LOWPROFILE_SMTP_FROM", "jane@example.com")
    try:
        yield handler
    finally:
        controller.stop()


def _requests(count: int) -> list:  # type: ignore[type-arg]
    person = Subject(names=(Name("Jane", "Doe"),), emails=("jane@example.com",),
                     addresses=(Address(state="TX"),))  # fmt: skip
    entries = [
        RegistryEntry(id=f"b{i}", name=f"B{i}", emails=(f"p{i}@b.example",)) for i in range(count)
    ]
    return build_requests(entries, person, Law.PLAIN, "jane@example.com")


def test_login_with_password_from_environment_and_paced(
    auth_server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOWPROFILE_SMTP_PASSWORD", "s3cret-pass")
    account = SmtpAccount.from_settings(load_settings())
    assert account.relay.password == "s3cret-pass"
    pauses: list[float] = []
    with Ledger(PERSON) as ledger:
        report = send_requests(_requests(3), ledger, account, interval=7.5, sleep=pauses.append,
                               today=date(2026, 1, 1))  # fmt: skip
        assert len(ledger.rows()) == 3
    assert auth_server.logins == [("jane", "s3cret-pass")]
    assert auth_server.received == 3 and len(report.sent) == 3
    assert pauses == [7.5, 7.5]  # between messages, not before the first or after the last


def test_wrong_password_stops_before_anything_is_sent(
    auth_server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOWPROFILE_SMTP_PASSWORD", "wrong")
    account = SmtpAccount.from_settings(load_settings())
    with Ledger(PERSON) as ledger, pytest.raises(SmtpError, match="mail server 127.0.0.1"):
        send_requests(_requests(2), ledger, account, interval=0)
    assert auth_server.received == 0


def test_user_without_password_is_a_clear_error(auth_server: _Server) -> None:
    with pytest.raises(RegistryError, match="LOWPROFILE_SMTP_PASSWORD"):
        SmtpAccount.from_settings(load_settings())


def test_server_gone_is_a_send_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    account = SmtpAccount(Relay("127.0.0.1", port), "jane@example.com")
    with Ledger(PERSON) as ledger, pytest.raises(SmtpError, match=f"127.0.0.1:{port}"):
        send_requests(_requests(1), ledger, account)
