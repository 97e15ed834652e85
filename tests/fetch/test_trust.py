"""The certificate authorities are read once, early, on a thread of their own (``fetch.trust``):
the first client of the process gets that read, every later one a fresh context, and a read
made from sources that have changed since, or that failed, is made again where it is needed."""

from __future__ import annotations

import contextlib
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers.testca import make_test_ca
from lowprofile.config import Settings
from lowprofile.errors import ConfigError
from lowprofile.fetch import trust
from lowprofile.fetch.http import ssl_context

Reads = list[tuple[str, tuple[str | None, str | None]]]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    """A process that has not preloaded yet; each read noted with the thread that made it."""
    monkeypatch.setattr(trust, "_early", None)
    monkeypatch.setattr(trust, "_preloaded", False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    seen: Reads = []
    real_read = trust._read

    def noted(sources: tuple[str | None, str | None]) -> ssl.SSLContext:
        seen.append((threading.current_thread().name, sources))
        return real_read(sources)

    monkeypatch.setattr(trust, "_read", noted)
    yield seen


def test_the_first_client_gets_the_early_read_and_later_ones_their_own(reads: Reads) -> None:
    trust.preload()
    trust.preload()  # once per process
    first = trust.authorities()
    second = trust.authorities()
    assert first is not second
    here = threading.current_thread().name
    assert reads == [("read certificate authorities", (None, None)), (here, (None, None))]
    assert len(first.get_ca_certs()) == len(second.get_ca_certs()) > 50  # certifi's bundle


def test_without_a_preload_the_authorities_are_read_where_needed(reads: Reads) -> None:
    trust.authorities()
    assert reads == [(threading.current_thread().name, (None, None))]


def test_authorities_changed_after_the_preload_are_read_again(
    reads: Reads, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = make_test_ca(tmp_path)["ca"]
    trust.preload()
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    context = trust.authorities()
    assert reads[-1] == (threading.current_thread().name, (str(ca), None))
    names = [dict(part[0] for part in cert["subject"]) for cert in context.get_ca_certs()]
    assert names == [{"commonName": "lowprofile test CA"}]


def test_an_unreadable_ssl_cert_file_read_early_is_reported_where_needed(
    reads: Reads, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(junk))
    trust.preload()
    with pytest.raises(ConfigError, match=r"SSL_CERT_FILE/SSL_CERT_DIR \(.*junk.pem\)"):
        ssl_context(Settings())
    assert [name for name, _ in reads] == [
        "read certificate authorities",
        threading.current_thread().name,
    ]


def failure_within(seconds: float, fifo: Path, call: Callable[[], object]) -> BaseException:
    """What ``call`` raised, run on a thread given ``seconds``; a reader stuck on ``fifo`` (the
    code before the fix) is freed afterwards so the test run goes on."""
    outcome: list[BaseException] = []

    def client() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append(exc)

    waiting = threading.Thread(target=client, daemon=True)
    waiting.start()
    waiting.join(seconds)
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert len(outcome) == 1, "still waiting on the FIFO"
    return outcome[0]


def test_an_ssl_cert_file_that_is_a_fifo_is_an_error_not_a_hang(
    reads: Reads, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a FIFO waits for a writer that never comes: the early read, and the client
    waiting for it, would hang the command instead of saying what is wrong (exit 2)."""
    fifo = tmp_path / "authorities.pem"
    os.mkfifo(fifo)
    monkeypatch.setenv("SSL_CERT_FILE", str(fifo))
    trust.preload()
    failure = failure_within(5, fifo, lambda: ssl_context(Settings()))
    assert isinstance(failure, ConfigError)
    assert "not a regular file" in str(failure)


def test_a_ca_bundle_that_is_a_fifo_is_an_error_not_a_hang(reads: Reads, tmp_path: Path) -> None:
    fifo = tmp_path / "company-proxy.pem"
    os.mkfifo(fifo)
    failure = failure_within(5, fifo, lambda: ssl_context(Settings(ca_bundle=str(fifo))))
    assert isinstance(failure, ConfigError)
    assert str(failure) == f"ca_bundle: {fifo}: not a regular file"
