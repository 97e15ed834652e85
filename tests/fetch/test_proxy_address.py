"""A proxy address is checked where the settings are read (issue 25 item 5): what httpx would
refuse with a traceback at the first request is one ``ConfigError`` naming where it came from.
The client keeps a guard of its own for an address that got past the settings' check."""

from __future__ import annotations

import asyncio

import pytest

from lowprofile.config import Settings, load_settings, proxy_problem, shown_proxy
from lowprofile.errors import ConfigError
from lowprofile.fetch.http import Http


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "https://proxy.example:3128", "socks5://127.0.0.1:9050",
     "socks5h://localhost:9050", "HTTP://proxy.example:3128", "http://user:pw@proxy.example:1"],
)  # fmt: skip
def test_the_proxies_httpx_can_use_pass(url: str) -> None:
    assert proxy_problem(url) is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("127.0.0.1:9050", "must start with http://"),
        ("socks://127.0.0.1:9050", "must start with http://"),
        ("socks4://127.0.0.1:9050", "must start with http://"),
        ("http://127.0.0.1:notaport", "not a proxy URL"),
        ("http://127.0.0.1:99999", "not a proxy URL"),
        ("http://[::1", "not a proxy URL"),
        ("http://", "names no host"),
        ("http://proxy example:8080", "contains a space"),
    ],
)
def test_what_httpx_would_refuse_is_said_first(url: str, says: str) -> None:
    assert says in (proxy_problem(url) or "")


def test_a_password_in_a_proxy_address_is_not_shown() -> None:
    assert shown_proxy("http://me:s3cret@proxy.example:8080") == "'http://…@proxy.example:8080'"
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"HTTPS_PROXY": "socks://me:s3cret@proxy.example:1080"})
    assert "s3cret" not in str(caught.value) and "HTTPS_PROXY" in str(caught.value)


def test_an_environment_proxy_without_a_scheme_is_read_as_httpx_reads_it() -> None:
    """httpx reads ``HTTPS_PROXY=host:port`` as ``http://host:port``: no error for it."""
    assert load_settings(environ={"HTTPS_PROXY": "127.0.0.1:3128"}).proxy is None


def test_a_flag_is_checked_as_the_setting_is() -> None:
    with pytest.raises(ConfigError, match="proxy: 'socks://127.0.0.1:9050'"):
        Settings().with_overrides(proxy="socks://127.0.0.1:9050")


def test_the_client_turns_a_refused_proxy_into_one_config_error() -> None:
    """Settings built without the check (``Settings(proxy=...)`` directly) still give a
    ConfigError, not httpx's ValueError, when the client is built; nothing is sent."""

    async def enter() -> None:
        async with Http(Settings(proxy="socks://127.0.0.1:9050")):
            pass

    with pytest.raises(ConfigError, match="proxy: Unknown scheme"):
        asyncio.run(enter())
