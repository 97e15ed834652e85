"""The settings a scheduled job starts with: captured at install, applied first by each run.

A job under cron or systemd does not inherit the installing shell's environment, so the proxy,
CA and folder settings in force are saved to ``schedule-settings.json`` (0600, config folder)
and the job reads them before anything else. That file must hold no secret: secrets are read
from the keyring or the environment at run time, credentials inside any URL are stripped, and
developer switches (which would quietly weaken a real person's monthly run) are never saved.
Each thing left out or changed is a one-line note naming the variable, never its value.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from lowprofile.config import config_dir
from lowprofile.errors import ConfigError
from lowprofile.files import write_private

JOB_SETTINGS = "schedule-settings.json"
"""In the config folder: the settings a scheduled run starts with."""
PROXY_ENV = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")
"""The proxy variables httpx honours, in both cases (``urllib.request.getproxies`` reads both):
a job that lost a lower-case proxy would search without it."""
CARRIED_ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR", *PROXY_ENV, "NO_PROXY", "no_proxy")
"""Variables besides ``LOWPROFILE_*`` that change where requests go or whom they trust."""
DEVELOPER_ONLY = frozenset(
    {"LOWPROFILE_ALLOW_LOOPBACK", "LOWPROFILE_NO_KEYRING", "LOWPROFILE_SCHEDULER"}
)
"""Switches for recipe development and tests: letting requests reach this machine, turning the
keyring off, forcing a scheduler. A real person's monthly run must not inherit them."""
_SECRET_WORDS = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY", re.IGNORECASE)
"""A variable named like a secret is treated as one even when lowprofile does not know it."""
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)(.*)$", re.DOTALL)


def settings_file() -> Path:
    return config_dir() / JOB_SETTINGS


def is_proxy(name: str) -> bool:
    """A variable holding a proxy address (not ``NO_PROXY``, which lists hosts)."""
    return name.upper().endswith("PROXY") and name.upper() != "NO_PROXY"


def without_credentials(name: str, value: str) -> tuple[str | None, str | None]:
    """``value`` with any ``user:password@`` removed, and a note when something was changed.

    Returns ``(None, note)`` when the variable must be left out. A proxy takes no path, so in a
    proxy address every ``@`` belongs to the credentials and the host is what follows the last
    one: that also strips a password holding ``#``, ``/`` or ``?``, which a URL parser would cut
    short. Any other URL is split by the URL rules; an ``@`` those rules do not place in the
    host part may end a password they misread, so that variable is left out rather than saved
    half-stripped. Nothing here raises on a malformed URL: it is a note, and the job fails loudly
    on it later, which is better than one that quietly searches without its proxy.
    """
    match = _SCHEME.match(value)
    scheme, rest = (match.group(1), match.group(2)) if match else ("", value)
    if not scheme and not is_proxy(name):
        return value, None  # a path, a host, an address: not a URL that can carry a login
    malformed = _malformed(value if scheme else f"http://{value}")
    if "@" not in rest:
        if malformed:
            return value, f"{name} is not a valid URL ({malformed}): the scheduled run will fail"
        return value, None
    if is_proxy(name):
        after = rest.rsplit("@", 1)[1]
    else:
        netloc = "" if malformed else urlsplit(value).netloc
        if "@" not in netloc:
            return None, f"{name} may hold a password that cannot be told apart: left out"
        after = netloc.rsplit("@", 1)[1] + rest[len(netloc) :]
    note = f"{name} holds a login (user, password or key): saved without it"
    return scheme + after, note


def _malformed(url: str) -> str | None:
    """Why ``url`` cannot be read as a URL (an unclosed IPv6 bracket, a port that is not a
    number), or None."""
    try:
        _ = urlsplit(url).port
    except ValueError as exc:
        return str(exc)
    return None


def check_proxies(environ: Mapping[str, str]) -> None:
    """A proxy variable that is not a URL is a one-line error before the scan: the HTTP client
    would otherwise fail on it mid-run with a traceback."""
    for name in PROXY_ENV:
        value = environ.get(name)
        if value and (why := _malformed(value if _SCHEME.match(value) else f"http://{value}")):
            raise ConfigError(f"{name} is not a valid proxy URL ({why})")


def capture_settings(
    environ: Mapping[str, str], secrets: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """The environment a scheduled run needs: every ``LOWPROFILE_*`` setting and the proxy and
    CA variables, with no secret, no credentials and no developer switch. Returns the settings
    and a note per variable left out or changed."""
    secret_names = set(secrets)
    kept: dict[str, str] = {}
    notes: list[str] = []
    for name, value in sorted(environ.items()):
        if not (name.startswith("LOWPROFILE_") or name in CARRIED_ENV):
            continue
        if name in secret_names or _SECRET_WORDS.search(name):
            notes.append(f"{name} is a secret: not saved with the job (store it in the keyring)")
            continue
        if name in DEVELOPER_ONLY:
            notes.append(f"{name} is a developer switch: not saved with the job")
            continue
        stripped, note = without_credentials(name, value)
        if note:
            notes.append(note)
        if stripped is not None:
            kept[name] = stripped
    return kept, notes


def save_settings(settings: Mapping[str, str]) -> Path:
    return write_private(settings_file(), json.dumps(dict(settings), indent=2))


def forget_settings() -> None:
    """``schedule remove``: the saved settings go with the job they were for."""
    settings_file().unlink(missing_ok=True)


def apply_saved_settings(path: Path) -> None:
    """Put the settings saved at install time into this process's environment. An unreadable
    file is an error: scanning without the proxy the person chose would leak their searches."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the schedule's settings: {exc}") from exc
    if not isinstance(saved, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in saved.items()
    ):
        raise ConfigError(f"{path}: the schedule's settings are not a table of strings")
    # A file saved by an older version may still carry a developer switch: it is not obeyed.
    os.environ.update({k: v for k, v in saved.items() if k not in DEVELOPER_ONLY})
