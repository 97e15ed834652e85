"""Issue 24: one site that accepts and never answers costs one deadline, and only itself.

Every site is a loopback server: the stand-in sites answer, one more accepts the connection and
never sends a byte. The deadline is shortened for the test (the real one is 60 s: the bench
shows a full run with it); what is checked is that it is one deadline over all the tries (the
hanging site does not get every try a deadline per try would give it), that it ends as an
``error`` worded as such, and that every other site is answered meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from fixtures.usernames.standin import ACCOUNT, expected, standin_sites
from lowprofile.checkers.base import CheckContext
from lowprofile.checkers.usernames import UsernameChecker
from lowprofile.config import Settings
from lowprofile.errors import RequestFailed
from lowprofile.fetch.http import Http
from lowprofile.results import CheckResult, Status
from lowprofile.subject import Subject


@pytest.fixture
def hanging() -> Iterator[tuple[int, list[socket.socket]]]:
    """A loopback port that accepts connections and never answers; the accepted sockets."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


def test_a_hanging_site_costs_one_deadline_and_the_others_are_answered(
    tmp_path: Path, no_network: respx.MockRouter, hanging: tuple[int, list[socket.socket]]
) -> None:
    port, accepted = hanging
    no_network.route(host__regex=r"^127\.0\.0\.\d+$").pass_through()
    try:
        socket.create_server(("127.0.0.2", 0)).close()
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.2 for the stand-in sites: {exc}")
    settings = Settings(
        allow_loopback=True, host_interval=0, backoff=0.05, retries=3, read_timeout=0.5
    )
    with standin_sites(30, tmp_path) as standin:
        data = json.loads(standin.path.read_text("utf-8"))
        hang = dict(data["sites"][0], name="hanging-site")
        hang["uri_check"] = f"http://127.0.0.1:{port}/u/{{account}}"
        data["sites"].append(hang)
        standin.path.write_text(json.dumps(data), encoding="utf-8")
        checker = UsernameChecker(sites_file=standin.path)

        async def go() -> list[CheckResult]:
            async with Http(settings, deadline=1.5) as http:
                ctx = CheckContext(http=http, settings=settings)
                subject = Subject(names=(), usernames=(ACCOUNT,))
                return [r async for r in checker.check(subject, ctx)]

        results = {r.source: r for r in asyncio.run(go())}
    stuck = results.pop("hanging-site")
    assert stuck.status is Status.ERROR
    assert "overall deadline" in stuck.detail
    # Tries of 0.5 s and short pauses fit three times into the one 1.5 s deadline, never the
    # four that ``retries=3`` would give tries each with their own deadline.
    assert 1 <= len(accepted) <= 3
    by_name = {s["name"]: s for s in standin.sites}
    assert {n: r.status.value for n, r in results.items()} == {
        n: expected(s, ACCOUNT) for n, s in by_name.items()
    }


def test_the_hung_connection_is_closed_at_the_deadline(
    no_network: respx.MockRouter, hanging: tuple[int, list[socket.socket]]
) -> None:
    """At the deadline the connection to the silent site is dropped there and then (the site
    sees it close), not kept open in the pool until the whole check ends."""
    port, accepted = hanging
    no_network.route(host__regex=r"^127\.0\.0\.1$").pass_through()
    settings = Settings(allow_loopback=True, host_interval=0, retries=0, read_timeout=30)

    async def go() -> tuple[str, bool]:
        async with Http(settings, deadline=0.5) as http:
            with pytest.raises(RequestFailed) as failed:
                await http.get(f"http://127.0.0.1:{port}/u/someone")
            (conn,) = accepted
            # Still inside the client: the pool must not hold the connection open.
            return str(failed.value), await asyncio.to_thread(closed_within, conn, 3.0)

    message, closed = asyncio.run(go())
    assert "overall deadline" in message
    assert closed


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the peer closes ``conn`` within ``seconds`` (what it sent before is read)."""
    conn.settimeout(seconds)
    try:
        while conn.recv(4096):
            continue
    except TimeoutError:
        return False
    return True
