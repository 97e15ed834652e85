"""The fence's connect-time check and its reasons, on the rule itself (issue 29's mutation run).

``PublicOnlyBackend`` is driven with a stand-in resolver (the event loop's ``getaddrinfo``) and a
stand-in inner backend that records what it is asked to connect to: no name is looked up and
no packet is sent. Each test here was written for a mutant of ``fetch/fence.py`` that every
other test let through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import httpcore
import pytest

from lowprofile.fetch import fence as fence_module
from lowprofile.fetch.fence import (
    Place,
    PublicOnlyBackend,
    Reach,
    TargetRefused,
    host_of,
    place,
)

MACHINE_NAME = "a machine name on a local network, not a public site"


class Inner(httpcore.AsyncNetworkBackend):
    """An inner backend that records each connect and fails for the addresses in ``failing``."""

    def __init__(self, failing: tuple[str, ...] = ()) -> None:
        self.failing = failing
        self.calls: list[tuple[Any, ...]] = []
        self.slept: list[float] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        self.calls.append((host, port, timeout, local_address, socket_options))
        if host in self.failing:
            raise httpcore.ConnectError(f"{host} refused")
        return httpcore.AsyncMockStream([])

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def _answers(*addresses: str) -> Callable[..., Awaitable[list[Any]]]:
    async def getaddrinfo(host: str, port: int, **kwargs: object) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return getaddrinfo


def _run(
    monkeypatch: pytest.MonkeyPatch,
    resolver: Callable[..., Awaitable[list[Any]]],
    call: Callable[[], Awaitable[Any]],
) -> Any:
    loop = asyncio.new_event_loop()
    monkeypatch.setattr(fence_module, "lookup", resolver)
    try:
        return loop.run_until_complete(call())
    finally:
        loop.close()


def test_a_name_that_cannot_be_resolved_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fails(host: str, port: int, **kwargs: object) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    backend = PublicOnlyBackend(allow_loopback=False)
    with pytest.raises(httpcore.ConnectError, match=r"cannot resolve nowhere\.example: .*known"):
        _run(monkeypatch, fails, lambda: backend.resolve("nowhere.example", 443))


def test_a_name_with_no_address_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = PublicOnlyBackend(allow_loopback=False)
    with pytest.raises(httpcore.ConnectError, match=r"cannot resolve empty\.example: no address"):
        _run(monkeypatch, _answers(), lambda: backend.resolve("empty.example", 443))


def test_an_answer_that_is_not_an_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = PublicOnlyBackend(allow_loopback=True)
    with pytest.raises(TargetRefused, match="resolves to odd-answer, which is not an IP address"):
        _run(monkeypatch, _answers("odd-answer"), lambda: backend.resolve("a.example", 443))


def test_an_address_host_is_named_once(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = PublicOnlyBackend(allow_loopback=False)
    with pytest.raises(TargetRefused, match=r"^10\.0\.0\.1 is a private address: "):
        _run(monkeypatch, _answers("10.0.0.1"), lambda: backend.resolve("10.0.0.1", 443))


def test_a_trusted_service_is_trusted_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """A service URL the person set (``trusted``, lower case) may sit on their own network; the
    host as the request writes it may have capitals."""
    backend = PublicOnlyBackend(allow_loopback=False, trusted=frozenset({"mail.home.example"}))
    resolve = lambda: backend.resolve("Mail.Home.Example", 1)  # noqa: E731
    got = _run(monkeypatch, _answers("192.168.1.5"), resolve)
    assert got == ["192.168.1.5"]


def test_connect_passes_the_callers_options_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inner = Inner()
    backend = PublicOnlyBackend(allow_loopback=False, inner=inner)
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    _run(
        monkeypatch,
        _answers("93.184.215.14"),
        lambda: backend.connect_tcp("site.example", 8443, 2.5, "0.0.0.0", options),  # noqa: S104
    )
    assert inner.calls == [("93.184.215.14", 8443, 2.5, "0.0.0.0", options)]  # noqa: S104


def test_connect_tries_each_checked_address_and_raises_the_last_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inner = Inner(failing=("93.184.215.14", "93.184.215.15"))
    backend = PublicOnlyBackend(allow_loopback=False, inner=inner)
    with pytest.raises(httpcore.ConnectError, match=r"93\.184\.215\.15 refused"):
        _run(
            monkeypatch,
            _answers("93.184.215.14", "93.184.215.15"),
            lambda: backend.connect_tcp("site.example", 443),
        )
    assert [c[0] for c in inner.calls] == ["93.184.215.14", "93.184.215.15"]


def test_unix_sockets_are_refused_and_sleep_is_the_inner_backends() -> None:
    inner = Inner()
    backend = PublicOnlyBackend(allow_loopback=True, inner=inner)
    with pytest.raises(TargetRefused, match="^unix socket /run/docker.sock: lowprofile only"):
        asyncio.run(backend.connect_unix_socket("/run/docker.sock"))
    asyncio.run(backend.sleep(0.25))
    assert inner.slept == [0.25]


def test_loopback_is_refused_unless_asked_for() -> None:
    assert place("127.0.0.1").problem() == "a loopback address"
    assert place("127.0.0.1").problem(allow_loopback=True) is None


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("::1", "a loopback address"),
        ("224.0.0.1", "a multicast or reserved address"),
        ("ff02::1", "a multicast or reserved address"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT: neither private nor global
    ],
)
def test_each_refusal_names_its_kind_of_address(host: str, why: str) -> None:
    assert place(host).why == why


def test_an_address_object_keeps_its_text_as_the_host() -> None:
    where = place(ipaddress.ip_address("10.0.0.1"))
    assert where.host == "10.0.0.1" and where.why == "a private address"


def test_nat64_of_a_public_address_is_public() -> None:
    """``64:ff9b::808:808`` is 8.8.8.8 through a NAT64 gateway: the low 32 bits are the IPv4."""
    assert place("64:ff9b::808:808").public
    assert not place("64:ff9b::a9fe:a9fe").public  # 169.254.169.254


@pytest.mark.parametrize(
    ("written", "host"),
    [
        ("fe80::1%eth0", "fe80::1"),  # the zone is not part of the host
        ("[FE80::1%25eth0]", "fe80::1"),
        ("[::1", "[::1"),  # brackets come off only as a pair
        ("::1]", "::1]"),
        ("http://[::1/", ""),  # not a URL: no host
        ("http://xn--ls8h.la/", ""),  # ASCII, but not IDNA (an emoji domain): no host
        ("HTTPS://WWW.Example.COM./x", "www.example.com"),
    ],
)
def test_host_of_reads_a_host_as_written(written: str, host: str) -> None:
    assert host_of(written) == host


@pytest.mark.parametrize(
    ("written", "where"),
    [
        ("", Place("", Reach.PRIVATE, "no host")),
        ("http://[::1/", Place("", Reach.PRIVATE, "no host")),
        ("Api.LocalHost.", Place("api.localhost", Reach.LOOPBACK, "a loopback address")),
        ("Router.", Place("router", Reach.PRIVATE, MACHINE_NAME)),
        ("http://intranet:8080/", Place("intranet", Reach.PRIVATE, MACHINE_NAME)),
        ("WWW.Example.COM.", Place("www.example.com", Reach.PUBLIC)),
    ],
)
def test_place_names_the_host_it_judged_and_why(written: str, where: Place) -> None:
    """The host and the reason finish the sentence a person reads ("router is a machine name
    on a local network…"), so both are part of the answer."""
    assert place(written) == where


@pytest.mark.parametrize(
    ("host", "family"), [("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)]
)
def test_an_address_written_out_is_read_without_a_resolver_thread(
    host: str, family: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    monkeypatch.setattr(fence_module.threading, "Thread", lambda **kw: started.append(kw["name"]))
    infos = asyncio.run(fence_module.lookup(host, 443))
    assert {(info[0], info[4][0]) for info in infos} == {(family, host)}
    assert started == []


def test_a_name_is_looked_up_on_a_thread_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []

    def resolver(host: str, port: int, **kwargs: Any) -> list[Any]:
        asked.append((host, fence_module.threading.current_thread().name))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(fence_module.socket, "getaddrinfo", resolver)
    infos = asyncio.run(fence_module.lookup("broker.example", 443))
    assert [info[4][0] for info in infos] == ["93.184.215.14"]
    assert asked == [("broker.example", "lookup broker.example")]
