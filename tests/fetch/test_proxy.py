"""The proxy, proved by connections: with ``proxy`` set, every request of a scan (brokers,
XposedOrNot, HIBP, WhatsMyName sites) and ``registry update URL`` goes through the proxy, an
HTTP CONNECT one or a SOCKS5 one, and none reaches the origin direct. The fence still refuses
what it can know behind a proxy: a literal loopback or private address never reaches it.

Everything runs on 127.0.0.1: an HTTPS origin (certificate from a CA made for this run, trusted
through ``ca_bundle``) stands in for every service, and the proxies carry only to this machine.
respx cannot carry a CONNECT (it rebuilds the request from its authority form and fails), so
here the suite's respx guard gives way to a stricter one on the sockets themselves: any connect
or name lookup off this machine fails the test before a packet leaves.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixtures.usernames.standin import LICENSE
from helpers.proxies import (
    Origin,
    Passage,
    http_connect_proxy,
    origin,
    socks5_proxy,
)
from helpers.testca import make_test_ca
from lowprofile.cli.main import app
from lowprofile.config import Settings
from lowprofile.fetch.fence import TargetRefused
from lowprofile.fetch.http import Http

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
runner = CliRunner()

COMPONENTS = {
    "brokers": "/broker",
    "xposedornot": "/xon/",
    "hibp": "/hibp/",
    "usernames": "/wmn/",
}
"""Each part of a scan, and the path prefix it asks the origin for."""


def answer(path: str) -> tuple[int, bytes]:
    """What the origin says: a result page, the breach services' empty answers, a missing
    account, the registry file."""
    if path.startswith("/broker"):
        return 200, (FIXTURES / "browser" / "static_results.html").read_bytes()
    if path.startswith("/xon/v1/check-email/"):
        return 200, (FIXTURES / "breaches" / "xon_check_email_not_found.json").read_bytes()
    if path.startswith("/wmn/"):
        return 404, b"<html>No such user</html>"
    if path == "/registry.csv":
        return 200, (FIXTURES / "registry" / "registry-sample.csv").read_bytes()
    return 404, b"{}"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaces the suite's respx guard here: sockets may reach this machine only."""
    connect = socket.socket.connect
    lookup = socket.getaddrinfo

    def local_connect(sock: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and not _loopback(str(address[0])):
            raise AssertionError(f"a connection off this machine was attempted: {address}")
        connect(sock, address)  # type: ignore[arg-type]

    def local_lookup(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if host is not None and not _loopback(name):
            raise AssertionError(f"a name lookup off this machine was attempted: {host!r}")
        return lookup(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", local_connect)
    monkeypatch.setattr(socket, "getaddrinfo", local_lookup)


def _loopback(host: str) -> bool:
    """Independent of the fence under test, so a broken fence cannot loosen the guard."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_test_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def site(test_ca: dict[str, Path]) -> Iterator[Origin]:
    with origin(test_ca["cert"], test_ca["key"], answer) as running:
        yield running


@pytest.fixture(params=["http-connect", "socks5"])
def proxy(request: pytest.FixtureRequest) -> Iterator[Passage]:
    maker = http_connect_proxy if request.param == "http-connect" else socks5_proxy
    with maker() as passage:
        yield passage


@pytest.fixture
def pointed(
    site: Origin,
    proxy: Passage,
    test_ca: dict[str, Path],
    private_dirs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Origin:
    """Every component pointed at the origin, the proxy set, and the test CA trusted."""
    monkeypatch.setenv("LOWPROFILE_PROXY", proxy.url)
    monkeypatch.setenv("LOWPROFILE_CA_BUNDLE", str(test_ca["ca"]))
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOWPROFILE_RETRIES", "0")
    monkeypatch.setenv("LOWPROFILE_XPOSEDORNOT_URL", f"{site.base}/xon")
    monkeypatch.setenv("LOWPROFILE_HIBP_URL", f"{site.base}/hibp")
    monkeypatch.setenv("HIBP_API_KEY", "0" * 32)
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    recipe = (FIXTURES / "browser" / "recipe.toml.in").read_text("utf-8")
    recipe = recipe.format(id="proxied", base=site.base, path="broker")
    brokers = private_dirs["config"] / "brokers"
    brokers.mkdir(parents=True)
    (brokers / "proxied.toml").write_text(recipe.replace('fetch = "browser"\n', ""), "utf-8")
    sites = tmp_path / "wmn.json"
    sites.write_text(json.dumps(_one_username_site(site.base)), "utf-8")
    monkeypatch.setenv("LOWPROFILE_USERNAME_SITES", str(sites))
    return site


def test_every_request_of_a_scan_goes_through_the_proxy(pointed: Origin, proxy: Passage) -> None:
    flags = ["--name", "Jane Doe", "--city", "Austin", "--state", "TX"]
    flags += ["--email", "jane@example.com", "--username", "janedoe"]
    for checker in COMPONENTS:
        flags += ["--only", checker]
    result = runner.invoke(app, ["scan", *flags, "--no-save", "--json", "-"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    statuses = {r["checker"]: r["status"] for r in report["results"]}
    assert set(statuses) == set(COMPONENTS), statuses
    assert "error" not in statuses.values(), report["results"]

    for checker, prefix in COMPONENTS.items():
        asked = [p for p in pointed.paths if p.startswith(prefix)]
        assert asked, f"{checker} sent nothing to the origin"
    assert pointed.direct(proxy) == [], "requests that did not go through the proxy"
    assert len(proxy.upstream) >= len(COMPONENTS)
    assert proxy.refused == []


def test_registry_update_from_a_url_goes_through_the_proxy(pointed: Origin, proxy: Passage) -> None:
    result = runner.invoke(app, ["registry", "update", f"{pointed.base}/registry.csv"])
    assert result.exit_code == 0, result.output
    assert pointed.paths == ["/registry.csv"]
    assert pointed.direct(proxy) == []
    assert len(proxy.targets) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/search",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]/",
        "https://0x7f.1/",
        "https://LOCALHOST./",
    ],
)
def test_behind_the_proxy_the_fence_refuses_literal_private_targets(
    url: str, proxy: Passage
) -> None:
    """The proxy resolves names, so only what the URL says can be judged: these say enough,
    and they never reach the proxy (which would carry them only to this machine anyway)."""
    with pytest.raises(TargetRefused):
        _get(url, Settings(proxy=proxy.url, retries=0))
    assert proxy.targets == [] and proxy.refused == []


def test_behind_the_proxy_loopback_needs_the_opt_in(
    site: Origin, proxy: Passage, test_ca: dict[str, Path]
) -> None:
    closed = Settings(proxy=proxy.url, retries=0, ca_bundle=str(test_ca["ca"]))
    with pytest.raises(TargetRefused, match="loopback"):
        _get(f"{site.base}/broker", closed)
    assert proxy.targets == [] and site.paths == []

    assert _get(f"{site.base}/broker", closed.with_overrides(allow_loopback=True)) == 200
    assert site.paths == ["/broker"] and site.direct(proxy) == []


def _get(url: str, settings: Settings) -> int:
    async def main() -> int:
        async with Http(settings) as http:
            return (await http.get(url)).status_code

    return asyncio.run(main())


def _one_username_site(base: str) -> dict[str, object]:
    """A WhatsMyName list with one site on the origin (a missing account is a 404)."""
    site = {
        "name": "proxied-site",
        "uri_check": f"{base}/wmn/{{account}}",
        "e_code": 200,
        "e_string": "class='profile'",
        "m_code": 404,
        "m_string": "No such user",
        "known": ["knownuser"],
        "cat": "social",
    }
    return {
        "license": LICENSE,
        "authors": ["stand-in"],
        "categories": ["social"],
        "sites": [site],
    }
