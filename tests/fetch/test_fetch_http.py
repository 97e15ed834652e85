"""The shared HTTP client: politeness per host, overlap across hosts, retries and giving up;
the fence around it: deadlines, redirects, public targets only, certificate authorities."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import respx

from helpers.testca import make_test_ca
from lowprofile.config import Settings, load_settings
from lowprofile.errors import ConfigError, RateLimited, RequestFailed, ServerUnavailable
from lowprofile.fetch import fence as fence_module
from lowprofile.fetch import http as fetch_http
from lowprofile.fetch.fence import PublicOnlyBackend, TargetRefused, check_public_target
from lowprofile.fetch.http import Http, configured_hosts, parse_retry_after


class FakeSleep:
    """Records requested pauses instead of sleeping, so retry tests take no wall time."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def scripted(responses: list[httpx.Response | Exception]) -> tuple[httpx.MockTransport, list]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), seen


def settings(**changes: object) -> Settings:
    base = Settings(host_interval=0.0, backoff=0.5, retries=2, max_retry_after=30.0)
    return base.with_overrides(**changes)


async def fetch(http_settings: Settings, transport: httpx.MockTransport, sleep: FakeSleep) -> int:
    async with Http(http_settings, transport=transport, sleep=sleep) as http:
        response = await http.get("https://broker.example/search?q=x")
        return response.status_code


def test_retry_after_seconds_is_honoured() -> None:
    transport, seen = scripted(
        [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, text="ok")]
    )
    sleep = FakeSleep()
    assert asyncio.run(fetch(settings(), transport, sleep)) == 200
    assert len(seen) == 2
    assert 7.0 in sleep.calls


def test_retry_after_http_date_is_honoured() -> None:
    when = datetime.now(UTC) + timedelta(seconds=20)
    transport, seen = scripted(
        [
            httpx.Response(503, headers={"Retry-After": format_datetime(when, usegmt=True)}),
            httpx.Response(200),
        ]
    )
    sleep = FakeSleep()
    assert asyncio.run(fetch(settings(), transport, sleep)) == 200
    waited = [s for s in sleep.calls if s > 5]
    assert waited and 15 <= waited[0] <= 21


def test_retry_after_beyond_cap_gives_up_as_rate_limited() -> None:
    transport, seen = scripted([httpx.Response(429, headers={"Retry-After": "3600"})])
    with pytest.raises(RateLimited) as caught:
        asyncio.run(fetch(settings(), transport, FakeSleep()))
    assert caught.value.retry_after == 3600
    assert len(seen) == 1


def test_429_on_every_try_gives_up_blocked_after_retries() -> None:
    transport, seen = scripted([httpx.Response(429) for _ in range(3)])
    with pytest.raises(RateLimited, match="after 3 tries"):
        asyncio.run(fetch(settings(retries=2), transport, FakeSleep()))
    assert len(seen) == 3


def test_5xx_on_every_try_is_server_unavailable() -> None:
    transport, seen = scripted([httpx.Response(503), httpx.Response(502), httpx.Response(504)])
    with pytest.raises(ServerUnavailable):
        asyncio.run(fetch(settings(retries=2), transport, FakeSleep()))
    assert len(seen) == 3


def test_connection_errors_retry_with_backoff_then_fail() -> None:
    boom = httpx.ConnectError("refused")
    transport, seen = scripted([boom, boom, boom])
    sleep = FakeSleep()
    with pytest.raises(RequestFailed, match="could not connect"):
        asyncio.run(fetch(settings(retries=2), transport, sleep))
    assert len(seen) == 3
    assert len(sleep.calls) == 2 and sleep.calls[1] > sleep.calls[0]


def test_connection_error_then_success() -> None:
    transport, _ = scripted([httpx.ReadTimeout("slow"), httpx.Response(200)])
    assert asyncio.run(fetch(settings(), transport, FakeSleep())) == 200


def test_other_statuses_are_returned_not_retried() -> None:
    transport, seen = scripted([httpx.Response(404, text="nobody")])
    assert asyncio.run(fetch(settings(), transport, FakeSleep())) == 404
    assert len(seen) == 1


def test_user_agent_and_language_from_settings() -> None:
    transport, seen = scripted([httpx.Response(200)])
    custom = settings(user_agent="TestAgent/1", accept_language="de-DE")
    asyncio.run(fetch(custom, transport, FakeSleep()))
    assert seen[0].headers["User-Agent"] == "TestAgent/1"
    assert seen[0].headers["Accept-Language"] == "de-DE"


def test_oversized_body_is_refused() -> None:
    transport, _ = scripted([httpx.Response(200, content=b"x" * (fetch_http.MAX_BODY_BYTES + 10))])
    with pytest.raises(RequestFailed, match="larger than"):
        asyncio.run(fetch(settings(), transport, FakeSleep()))


def _timed_transport(log: list[tuple[str, float, float]], delay: float) -> httpx.MockTransport:
    async def handler(request: httpx.Request) -> httpx.Response:
        start = time.monotonic()
        await asyncio.sleep(delay)
        log.append((request.url.host, start, time.monotonic()))
        return httpx.Response(200)

    return httpx.MockTransport(handler)


def test_one_host_is_serialised_while_different_hosts_overlap() -> None:
    log: list[tuple[str, float, float]] = []
    transport = _timed_transport(log, delay=0.05)

    async def main() -> None:
        async with Http(settings(concurrency=8), transport=transport) as http:
            urls = [f"https://a.example/{i}" for i in range(3)]
            urls += [f"https://b.example/{i}" for i in range(3)]
            await asyncio.gather(*(http.get(u) for u in urls))

    asyncio.run(main())
    by_host: dict[str, list[tuple[float, float]]] = {}
    for host, start, end in log:
        by_host.setdefault(host, []).append((start, end))
    for spans in by_host.values():
        spans.sort()
        for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
            assert next_start >= end, "two requests to one host were in flight at once"
    a_spans, b_spans = by_host["a.example"], by_host["b.example"]
    overlaps = any(s1 < e2 and s2 < e1 for s1, e1 in a_spans for s2, e2 in b_spans)
    assert overlaps, "requests to different hosts never overlapped"


class VirtualTime:
    """A clock that moves only when someone sleeps: politeness is checked without wall time."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def test_minimum_interval_between_requests_to_one_host() -> None:
    time_ = VirtualTime()
    starts: dict[str, list[float]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        starts.setdefault(request.url.host, []).append(time_.now)
        return httpx.Response(200)

    async def main() -> None:
        http = Http(
            settings(host_interval=2.0),
            transport=httpx.MockTransport(handler),
            sleep=time_.sleep,
            clock=time_.clock,
        )
        async with http:
            urls = [f"https://{h}.example/{i}" for h in ("a", "b") for i in range(3)]
            await asyncio.gather(*(http.get(u) for u in urls))

    asyncio.run(main())
    for host, times in starts.items():
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert len(times) == 3 and all(gap >= 2.0 for gap in gaps), (host, gaps)


def test_per_host_interval_override_applies_to_subdomains() -> None:
    s = Settings(host_interval=1.0, host_intervals={"example.com": 6.0})
    assert s.interval_for("api.example.com") == 6.0
    assert s.interval_for("other.org") == 1.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0", 0.0), ("", None), ("soon", None), (None, None), ("-3", 0.0)],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_global_concurrency_limit() -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return httpx.Response(200)

    async def main() -> None:
        transport = httpx.MockTransport(handler)
        async with Http(settings(concurrency=2), transport=transport) as http:
            await asyncio.gather(*(http.get(f"https://h{i}.example/") for i in range(6)))

    asyncio.run(main())
    assert peak == 2


@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:9050", "http://127.0.0.1:3128"])
def test_proxy_settings_build_a_client(proxy: str) -> None:
    """SOCKS5 (a local Tor) and HTTP proxies are accepted; the socks extra is installed."""

    async def main() -> None:
        async with Http(settings(proxy=proxy)) as http:
            assert http._client is not None

    asyncio.run(main())


# --- The fence: deadlines, redirects, targets, certificate authorities --------------------------
#
# These run real sockets against servers on 127.0.0.1 (HTTPS with a CA made in the test), so the
# guarded transport, the TLS context and the redirect walk are the ones a scan uses.


class Hits:
    """What a local server saw: one path per request."""

    def __init__(self) -> None:
        self.paths: list[str] = []


def _handler(hits: Hits, answer: Callable[[BaseHTTPRequestHandler], None]) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            hits.paths.append(self.path)
            answer(self)

        def log_message(self, *args: object) -> None:
            return None

    return Handler


@contextmanager
def local_server(
    answer: Callable[[BaseHTTPRequestHandler], None], tls: tuple[Path, Path] | None = None
) -> Iterator[tuple[str, Hits]]:
    """A threaded server on 127.0.0.1 (HTTPS when given a cert and key); yields its base URL."""
    hits = Hits()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hits, answer))
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def reply(status: int, body: bytes = b"ok", headers: dict[str, str] | None = None) -> Callable:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def drip(handler: BaseHTTPRequestHandler) -> None:
    """A hostile site: headers at once, then one byte every 50 ms for ten seconds."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(200):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.05)
    except OSError:
        return


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A certificate authority made for this test run and a server certificate for 127.0.0.1."""
    return make_test_ca(tmp_path_factory.mktemp("ca"))


def real(url: str, http_settings: Settings, deadline: float | None = None) -> httpx.Response:
    """One GET through the real (guarded) transport."""

    async def main() -> httpx.Response:
        async with Http(http_settings, deadline=deadline) as http:
            return await http.get(url)

    return asyncio.run(main())


def loopback(**changes: object) -> Settings:
    return settings(allow_loopback=True, retries=0, **changes)


def test_a_dripping_site_ends_at_the_overall_deadline_without_retry() -> None:
    with local_server(drip) as (base, hits):
        started = time.monotonic()
        with pytest.raises(RequestFailed, match="overall deadline") as caught:
            real(base + "/drip", settings(allow_loopback=True, retries=2), deadline=0.5)
        took = time.monotonic() - started
    assert "127.0.0.1" in str(caught.value)
    assert hits.paths == ["/drip"], "a request that ran out of time must not be retried"
    assert took < 9, "the drip was read to its end: no deadline applied"


def test_the_deadline_is_named_in_one_place() -> None:
    async def main() -> float:
        async with Http(settings()) as http:
            return http.deadline

    assert asyncio.run(main()) == fetch_http.REQUEST_DEADLINE > 0


def test_redirect_from_https_to_plain_http_loopback_is_not_followed(
    test_ca: dict[str, Path],
) -> None:
    with local_server(reply(200, b"secret page")) as (plain, plain_hits):
        moved = reply(302, headers={"Location": plain + "/listing"})
        with local_server(moved, tls=(test_ca["cert"], test_ca["key"])) as (secure, hits):
            with pytest.raises(TargetRefused, match="from https to plain http"):
                real(secure + "/search", loopback(ca_bundle=str(test_ca["ca"])))
    assert hits.paths == ["/search"]
    assert plain_hits.paths == [], "the plain-http page was fetched"


def test_https_redirect_on_the_same_server_is_followed(test_ca: dict[str, Path]) -> None:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        if handler.path == "/old":
            reply(301, headers={"Location": "/new"})(handler)
        else:
            reply(200, b"moved here")(handler)

    with local_server(answer, tls=(test_ca["cert"], test_ca["key"])) as (secure, hits):
        response = real(secure + "/old", loopback(ca_bundle=str(test_ca["ca"])))
    assert response.text == "moved here"
    assert hits.paths == ["/old", "/new"]
    assert [r.status_code for r in response.history] == [301]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_without_the_opt_in(host: str) -> None:
    with local_server(reply(200)) as (base, hits):
        url = base.replace("127.0.0.1", host) + "/x"
        with pytest.raises(TargetRefused, match="loopback"):
            real(url, settings(retries=0))
    assert hits.paths == []


def test_a_name_that_resolves_to_loopback_is_refused_at_connect() -> None:
    """``localhost.`` passes the URL check only by its spelling; the connect check reads DNS."""
    backend = PublicOnlyBackend(allow_loopback=False)
    with pytest.raises(TargetRefused, match="resolves to 127.0.0.1"):
        asyncio.run(backend.connect_tcp("localhost", 80))


def test_any_private_answer_among_the_addresses_refuses_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A DNS answer mixing a public and a private address is refused, whatever the order."""

    async def fake_getaddrinfo(host: str, port: int, **kwargs: object) -> list:
        answers = ["93.184.215.14", "169.254.169.254"]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]

    loop = asyncio.new_event_loop()
    monkeypatch.setattr(fence_module, "lookup", fake_getaddrinfo)
    backend = PublicOnlyBackend(allow_loopback=True)
    try:
        with pytest.raises(TargetRefused, match="169.254.169.254, which is a link-local"):
            loop.run_until_complete(backend.resolve("rebind.example", 443))
    finally:
        loop.close()


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:6379/",
        "https://10.1.2.3/",
        "https://172.16.0.9/",
        "https://192.168.1.1/admin",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fe80::1]/",
        "https://[fc00::1]/",
        "https://[64:ff9b::a9fe:a9fe]/",
        "https://[2002:a00:1::]/",
        "https://224.0.0.1/",
        "https://240.0.0.1/",
        "https://2130706433/",
        "https://0x7f.1/",
        "https://127.1/",
        "https://localhost/",
        "https://printer.localhost/",
        "file:///etc/passwd",
        "ftp://example.com/",
    ],
)
def test_targets_off_the_public_internet_are_refused(url: str) -> None:
    assert check_public_target(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.fastpeoplesearch.com/name/{first}-{last}_{city}-{state}",
        "https://api.xposedornot.com/v1/check-email/a@example.com",
        "https://93.184.215.14/",
    ],
)
def test_public_targets_pass(url: str) -> None:
    assert check_public_target(url) is None


def test_the_opt_in_opens_loopback_only() -> None:
    assert check_public_target("https://127.0.0.1:8443/", allow_loopback=True) is None
    assert check_public_target("http://localhost:8000/", allow_loopback=True) is None
    assert check_public_target("https://169.254.169.254/", allow_loopback=True) is not None
    assert check_public_target("https://10.0.0.1/", allow_loopback=True) is not None


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://192.168.0.1/", "private"),
        ("http://broker.example/listing", "from https to plain http"),
    ],
)
def test_redirects_off_the_public_internet_or_to_http_are_not_followed(
    location: str, words: str
) -> None:
    transport, seen = scripted([httpx.Response(302, headers={"Location": location})])
    with pytest.raises(TargetRefused, match=words):
        asyncio.run(fetch(settings(allow_loopback=True), transport, FakeSleep()))
    assert len(seen) == 1, "the refused redirect was requested"


def test_a_redirect_to_a_host_name_that_is_not_valid_idna_is_one_error_line() -> None:
    """httpx parses xn--ls8h.la (an emoji domain) but cannot read its name back: a hostile
    page's Location must end as a RequestFailed, not as idna's exception out of the client."""
    transport, seen = scripted([httpx.Response(302, headers={"Location": "http://xn--ls8h.la/"})])
    with pytest.raises(RequestFailed, match="redirects to a host name that cannot be read"):
        asyncio.run(fetch(settings(), transport, FakeSleep()))
    assert len(seen) == 1


def test_a_url_whose_host_is_not_valid_idna_is_refused_as_invalid() -> None:
    """Announced (``expect``) and asked for: the one is skipped, the other is one error."""

    async def ask() -> None:
        async with Http(
            settings(), transport=httpx.MockTransport(lambda r: httpx.Response(200))
        ) as http:
            http.expect(["http://xn--ls8h.la/u/jane"])
            await http.get("http://xn--ls8h.la/u/jane")

    with pytest.raises(RequestFailed, match="invalid URL"):
        asyncio.run(ask())


def test_a_public_redirect_is_followed_with_its_history() -> None:
    transport, seen = scripted(
        [
            httpx.Response(302, headers={"Location": "https://www.broker.example/search?q=x"}),
            httpx.Response(200, text="results"),
        ]
    )
    response = asyncio.run(_get(settings(), transport))
    assert response.text == "results"
    assert [str(r.url) for r in seen] == [
        "https://broker.example/search?q=x",
        "https://www.broker.example/search?q=x",
    ]
    assert len(response.history) == 1


def test_endless_redirects_stop() -> None:
    loop = [httpx.Response(302, headers={"Location": f"/step{i}"}) for i in range(20)]
    transport, seen = scripted(loop)
    with pytest.raises(RequestFailed, match="redirects"):
        asyncio.run(fetch(settings(), transport, FakeSleep()))
    assert len(seen) == fetch_http.MAX_REDIRECTS + 1


async def _get(http_settings: Settings, transport: httpx.MockTransport) -> httpx.Response:
    async with Http(http_settings, transport=transport, sleep=FakeSleep()) as http:
        return await http.get("https://broker.example/search?q=x")


def test_a_private_ca_is_refused_without_the_bundle(test_ca: dict[str, Path]) -> None:
    with local_server(reply(200), tls=(test_ca["cert"], test_ca["key"])) as (secure, _):
        with pytest.raises(RequestFailed, match="(?i)certificate"):
            real(secure + "/", loopback())


def test_ca_bundle_setting_trusts_a_tls_inspecting_proxy_ca(
    test_ca: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOWPROFILE_CA_BUNDLE", str(test_ca["ca"]))
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    loaded = load_settings()
    assert loaded.ca_bundle == str(test_ca["ca"])
    with local_server(reply(200, b"inspected"), tls=(test_ca["cert"], test_ca["key"])) as (
        secure,
        _,
    ):
        assert real(secure + "/", loaded).text == "inspected"


def test_ssl_cert_file_is_honoured(
    test_ca: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca["ca"]))
    with local_server(reply(200, b"via env"), tls=(test_ca["cert"], test_ca["key"])) as (
        secure,
        _,
    ):
        assert real(secure + "/", loopback()).text == "via env"


def test_a_missing_ca_bundle_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOWPROFILE_CA_BUNDLE", str(tmp_path / "nope.pem"))
    with pytest.raises(ConfigError, match="ca_bundle"):
        load_settings()


def test_an_unreadable_ca_bundle_is_a_config_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")
    with pytest.raises(ConfigError, match="ca_bundle"):
        real("https://broker.example/", settings(ca_bundle=str(junk)))


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("0", False)])
def test_the_loopback_opt_in_reads_from_the_environment(
    raw: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", raw)
    assert load_settings().allow_loopback is expected


def test_a_bad_boolean_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "maybe")
    with pytest.raises(ConfigError, match="LOWPROFILE_ALLOW_LOOPBACK"):
        load_settings()


@pytest.mark.parametrize("opt_in", [False, True])
def test_scan_requests_check_the_resolved_address(
    opt_in: bool, monkeypatch: pytest.MonkeyPatch, no_network: respx.MockRouter
) -> None:
    """A public-looking name whose DNS answer is loopback: refused at connect, unless opted in."""
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host: str, *args: object, **kwargs: object) -> list:
        return real_getaddrinfo("127.0.0.1" if host == "rebind.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    no_network.route(host="rebind.example").pass_through()
    with local_server(reply(200, b"local")) as (base, hits):
        url = base.replace("127.0.0.1", "rebind.example") + "/x"
        if opt_in:
            assert real(url, loopback()).text == "local"
        else:
            with pytest.raises(TargetRefused, match="rebind.example resolves to 127.0.0.1"):
                real(url, settings(retries=0))
    assert hits.paths == (["/x"] if opt_in else [])


def test_a_redirect_can_be_returned_as_it_is() -> None:
    """Sources whose answer is the redirect itself ask not to follow it, and get it unread."""
    transport, seen = scripted(
        [httpx.Response(302, headers={"Location": "https://169.254.169.254/"}, text="moved")]
    )

    async def main() -> httpx.Response:
        async with Http(settings(), transport=transport, sleep=FakeSleep()) as http:
            return await http.request(
                "POST", "https://broker.example/q", content=b"{}", follow_redirects=False
            )

    response = asyncio.run(main())
    assert response.status_code == 302 and response.text == "moved"
    assert [r.content for r in seen] == [b"{}"]


def test_service_urls_the_user_set_are_trusted_by_host() -> None:
    """A self-hosted XposedOrNot on a private address is reached; a broker there is not."""
    own = settings(xposedornot_url="https://10.0.0.5/xon")
    assert configured_hosts(own) == {"10.0.0.5"}
    assert configured_hosts(settings()) == frozenset()
    transport, seen = scripted([httpx.Response(200, text="{}")])

    async def main(url: str) -> int:
        async with Http(own, transport=transport, sleep=FakeSleep()) as http:
            return (await http.get(url)).status_code

    assert asyncio.run(main("https://10.0.0.5/xon/v1/check-email/a@example.com")) == 200
    with pytest.raises(TargetRefused, match="private"):
        asyncio.run(main("https://10.0.0.6/search"))
    assert len(seen) == 1


def test_a_redirect_from_a_trusted_service_to_another_private_host_is_refused() -> None:
    own = settings(hibp_url="https://10.0.0.5/api/v3")
    transport, seen = scripted(
        [
            httpx.Response(302, headers={"Location": "https://10.0.0.5/api/v3/other"}),
            httpx.Response(302, headers={"Location": "https://169.254.169.254/"}),
        ]
    )

    async def main() -> None:
        async with Http(own, transport=transport, sleep=FakeSleep()) as http:
            await http.get("https://10.0.0.5/api/v3/breachedaccount/a")

    with pytest.raises(TargetRefused, match="link-local"):
        asyncio.run(main())
    assert [str(r.url) for r in seen] == [
        "https://10.0.0.5/api/v3/breachedaccount/a",
        "https://10.0.0.5/api/v3/other",
    ]


def test_no_network_is_not_retried_and_then_fails_at_once(
    no_network: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline, a scan must end in seconds: a name that does not resolve is not tried again,
    and once several public sites could not be reached (and none answered) the rest fail at
    once. A host the user configured (a self-hosted service) is still tried. (The grace before
    the rule may skip anyone is tested on a virtual clock: tests/fetch/test_network_down.py.)"""
    monkeypatch.setattr(fetch_http, "NETWORK_DOWN_GRACE", 0.0)
    tries: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        tries.append(request.url.host)
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    no_network.route().mock(side_effect=refuse)
    settings = Settings(
        retries=3, backoff=0, host_interval=0, xposedornot_url="https://xon.lan/api"
    )

    async def run() -> list[str]:
        messages = []
        async with Http(settings) as http:
            for host in ("a.example", "b.example", "c.example", "d.example", "xon.lan"):
                try:
                    await http.get(f"https://{host}/")
                except RequestFailed as exc:
                    messages.append(str(exc))
            assert http.network_down
        return messages

    messages = asyncio.run(run())
    assert tries == ["a.example", "b.example", "c.example", "xon.lan"]  # no retries, d skipped
    assert "network looks down" in messages[3] and "name resolution" in messages[0]


def test_one_answer_means_the_network_is_up(no_network: respx.MockRouter) -> None:
    no_network.route(host="up.example").mock(return_value=httpx.Response(200))
    no_network.route().mock(side_effect=httpx.ConnectError("Connection refused"))
    settings = Settings(retries=0, backoff=0, host_interval=0)

    async def run() -> bool:
        async with Http(settings) as http:
            await http.get("https://up.example/")
            for host in ("a.example", "b.example", "c.example"):
                with pytest.raises(RequestFailed):
                    await http.get(f"https://{host}/")
            return http.network_down

    assert asyncio.run(run()) is False
