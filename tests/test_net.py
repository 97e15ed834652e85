"""The shared HTTP client: politeness per host, overlap across hosts, retries and giving up."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from lowprofile.config import Settings
from lowprofile.errors import RateLimited, RequestFailed, ServerUnavailable
from lowprofile.net import Http, parse_retry_after


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
    from lowprofile import net

    transport, _ = scripted([httpx.Response(200, content=b"x" * (net.MAX_BODY_BYTES + 10))])
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


def test_minimum_interval_between_requests_to_one_host() -> None:
    log: list[tuple[str, float, float]] = []
    transport = _timed_transport(log, delay=0.0)

    async def main() -> None:
        async with Http(settings(host_interval=0.1), transport=transport) as http:
            await asyncio.gather(*(http.get(f"https://a.example/{i}") for i in range(3)))

    asyncio.run(main())
    starts = sorted(start for _, start, _ in log)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= 0.09 for gap in gaps), gaps


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
