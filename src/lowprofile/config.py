"""Where lowprofile keeps its files, its settings, and how it reads secrets.

Folders come from platformdirs (XDG on Linux, ~/Library on macOS, AppData on Windows) and can be
moved with ``LOWPROFILE_CONFIG_DIR`` and ``LOWPROFILE_DATA_DIR``. Settings are layered: built-in
defaults, then ``<config>/config.toml``, then ``LOWPROFILE_*`` environment variables, then command
line flags. Secrets (API keys) come from the environment or the OS keyring only: they are never
written to the config file, and never logged.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lowprofile import __version__
from lowprofile.errors import ConfigError

APP_NAME = "lowprofile"
KEYRING_SERVICE = "lowprofile"

DEFAULT_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
TOOL_USER_AGENT = f"lowprofile/{__version__} (personal exposure scanner)"

SECRET_ENV = {
    "hibp": "HIBP_API_KEY",
    "smtp": "LOWPROFILE_SMTP_PASSWORD",
    "imap": "LOWPROFILE_IMAP_PASSWORD",
}
"""Secret name → the environment variable that provides it (checked before the keyring)."""


def config_dir() -> Path:
    """The folder for the profile, settings and user broker files."""
    override = os.environ.get("LOWPROFILE_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The folder for history, reports and logs."""
    override = os.environ.get("LOWPROFILE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def history_path() -> Path:
    """The person's scan history (``store.Store``). Here, beside the other places, so that
    asking whether there is one loads neither the history nor the ledger."""
    return data_dir() / "history.db"


def ledger_db_path() -> Path:
    """The request ledger (``optout.records.RequestLedger``); see ``history_path``."""
    return data_dir() / "ledger.db"


def default_profile_path() -> Path:
    return config_dir() / "profile.toml"


def settings_path() -> Path:
    return config_dir() / "config.toml"


def _env(name: str) -> dict[str, str]:
    return {"env": name}


BROWSER_MODES = ("auto", "always", "never")
"""``browser_mode``: a real browser for the sites that need one (and once more for a site that
blocked a plain fetch), for every site, or for none."""


@dataclass(frozen=True)
class Settings:
    """Every tunable of a scan. Each field may be set in config.toml or by its environment variable.

    The network defaults are deliberately polite: one request at a time per host with a pause
    between them, because people-search sites block impatient clients and we do not evade blocks.
    """

    user_agent: str = field(default=DEFAULT_USER_AGENT, metadata=_env("LOWPROFILE_USER_AGENT"))
    accept_language: str = field(
        default="en-US,en;q=0.9", metadata=_env("LOWPROFILE_ACCEPT_LANGUAGE")
    )
    connect_timeout: float = field(default=10.0, metadata=_env("LOWPROFILE_CONNECT_TIMEOUT"))
    read_timeout: float = field(default=20.0, metadata=_env("LOWPROFILE_READ_TIMEOUT"))
    concurrency: int = field(default=32, metadata=_env("LOWPROFILE_CONCURRENCY"))
    """Requests in flight overall. Politeness is per host (``per_host_concurrency``,
    ``host_interval``), so this only has to cover the hosts a scan works on at once: at 8, a
    two-name scan of the 21 automatic brokers took 1.2-1.4x its bound (bench/brokers.py); at 32
    it ends within 1.05x, one request per host at a time still."""
    per_host_concurrency: int = field(default=1, metadata=_env("LOWPROFILE_PER_HOST_CONCURRENCY"))
    host_interval: float = field(default=1.0, metadata=_env("LOWPROFILE_HOST_INTERVAL"))
    """Minimum seconds between the start of two requests to the same host."""
    host_intervals: dict[str, float] = field(default_factory=dict)
    """Per-host overrides of ``host_interval``, e.g. ``{"haveibeenpwned.com" = 6.5}``."""
    retries: int = field(default=3, metadata=_env("LOWPROFILE_RETRIES"))
    backoff: float = field(default=1.0, metadata=_env("LOWPROFILE_BACKOFF"))
    max_retry_after: float = field(default=60.0, metadata=_env("LOWPROFILE_MAX_RETRY_AFTER"))
    """A Retry-After longer than this is not waited for: the request gives up as rate limited."""
    proxy: str | None = field(default=None, metadata=_env("LOWPROFILE_PROXY"))
    """``http://host:port`` or ``socks5://127.0.0.1:9050`` (a local Tor) for every request."""
    ca_bundle: str | None = field(default=None, metadata=_env("LOWPROFILE_CA_BUNDLE"))
    """A PEM file (or folder) of extra certificate authorities to trust, added to the built-in
    ones: for networks whose proxy inspects TLS with its own CA (``SSL_CERT_FILE`` works too)."""
    allow_loopback: bool = field(default=False, metadata=_env("LOWPROFILE_ALLOW_LOOPBACK"))
    """Let requests reach 127.0.0.1/::1/localhost. Off: lowprofile only talks to the public
    internet. On for recipe development and tests against a local server; private, link-local
    and unspecified addresses stay refused either way."""
    fail_on: str = field(default="high", metadata=_env("LOWPROFILE_FAIL_ON"))
    """Exit code 1 when a finding reaches this severity."""
    browser_mode: str = field(default="auto", metadata=_env("LOWPROFILE_BROWSER_MODE"))
    """One of ``BROWSER_MODES`` (``scan --browser``). A scheduled run uses it too, headless and
    never waiting for a person."""
    username_sites: str | None = field(default=None, metadata=_env("LOWPROFILE_USERNAME_SITES"))
    """A WhatsMyName-format site list for the usernames checker of a normal ``scan`` (what
    ``usernames check --sites`` takes); unset: the updated or the shipped list."""
    username_skip_categories: str = field(
        default="", metadata=_env("LOWPROFILE_USERNAME_SKIP_CATEGORIES")
    )
    """WhatsMyName categories a ``scan`` leaves out, comma-separated (``xx NSFW xx, dating``)."""
    optout_retry: bool = field(default=False, metadata=_env("LOWPROFILE_OPTOUT_RETRY"))
    """On: the scheduled scan also retries what the opt-out ledger says is due (reappeared,
    failed) and looks again for confirmation emails, unattended, for the requests your own
    ``optout run`` started: only the values that broker's steps name are sent, as you approved
    them then. Off by default, because sending personal data with nobody watching is something
    the person must choose: the monthly run then only tells them what is due."""
    mention_news: str = field(default="google, bing", metadata=_env("LOWPROFILE_MENTION_NEWS"))
    """The news search feeds the ``mentions`` checker reads for the exact name, comma-separated
    (``google``, ``bing``); ``none``: only the person's own feeds (``mentions add``)."""
    xposedornot_url: str = field(
        default="https://api.xposedornot.com", metadata=_env("LOWPROFILE_XPOSEDORNOT_URL")
    )
    hibp_url: str = field(
        default="https://haveibeenpwned.com/api/v3", metadata=_env("LOWPROFILE_HIBP_URL")
    )
    pwnedpasswords_url: str = field(
        default="https://api.pwnedpasswords.com", metadata=_env("LOWPROFILE_PWNEDPASSWORDS_URL")
    )
    hibp_requests_per_minute: float = field(default=10.0, metadata=_env("LOWPROFILE_HIBP_RPM"))
    """The request rate of the user's HIBP subscription (the smallest plan allows 10/min);
    0 means no limit of our own (a proxy in front of HIBP that does the pacing)."""
    xposedornot_interval: float = field(
        default=0.6, metadata=_env("LOWPROFILE_XPOSEDORNOT_INTERVAL")
    )
    """XposedOrNot allows about 2 requests a second per address; stay under it."""
    smtp_host: str | None = field(default=None, metadata=_env("LOWPROFILE_SMTP_HOST"))
    """Email notifications of scheduled scans and deletion requests go through this server."""
    smtp_port: int = field(default=587, metadata=_env("LOWPROFILE_SMTP_PORT"))
    smtp_security: str = field(default="auto", metadata=_env("LOWPROFILE_SMTP_SECURITY"))
    """``auto`` (implicit TLS on port 465, STARTTLS on any other), ``ssl`` (implicit TLS on
    any port) or ``starttls``; the certificate is always verified. Clear text only to a server
    on this machine that offers no STARTTLS."""
    smtp_user: str | None = field(default=None, metadata=_env("LOWPROFILE_SMTP_USER"))
    smtp_from: str | None = field(default=None, metadata=_env("LOWPROFILE_SMTP_FROM"))
    smtp_to: str | None = field(default=None, metadata=_env("LOWPROFILE_SMTP_TO"))
    imap_host: str | None = field(default=None, metadata=_env("LOWPROFILE_IMAP_HOST"))
    """The mailbox brokers' confirmation emails arrive in, read by ``optout run``; unset: the
    person pastes the confirmation link. The password is the secret ``imap``, never a setting."""
    imap_port: int = field(default=993, metadata=_env("LOWPROFILE_IMAP_PORT"))
    imap_user: str | None = field(default=None, metadata=_env("LOWPROFILE_IMAP_USER"))
    imap_folder: str = field(default="INBOX", metadata=_env("LOWPROFILE_IMAP_FOLDER"))
    imap_security: str = field(default="ssl", metadata=_env("LOWPROFILE_IMAP_SECURITY"))
    """``ssl`` (port 993), ``starttls`` (143), or ``none``: only for a server on this machine,
    since the password would otherwise cross the network in the clear."""

    def interval_for(self, host: str) -> float:
        """The pause between two requests to ``host``: explicit per-host settings first (exact
        host, then parent domains), then the breach services' own published limits."""
        parts = host.lower().split(".")
        for i in range(len(parts) - 1):
            candidate = ".".join(parts[i:])
            if candidate in self.host_intervals:
                return self.host_intervals[candidate]
        if host.lower() == (urlsplit(self.hibp_url).hostname or ""):
            rpm = self.hibp_requests_per_minute
            return max(self.host_interval, 60.0 / rpm) if rpm > 0 else self.host_interval
        if host.lower() == (urlsplit(self.xposedornot_url).hostname or ""):
            return max(self.host_interval, self.xposedornot_interval)
        return self.host_interval

    @property
    def skipped_username_categories(self) -> tuple[str, ...]:
        """``username_skip_categories`` as a list of category names."""
        return tuple(c.strip() for c in self.username_skip_categories.split(",") if c.strip())

    @property
    def mention_news_sources(self) -> tuple[str, ...]:
        """``mention_news`` as a list of source ids."""
        chosen = (c.strip().lower() for c in self.mention_news.split(","))
        return tuple(c for c in chosen if c and c != "none")

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the non-None values of ``changes`` applied (command-line flags), checked
        as the same values from the config file are: ``--proxy 127.0.0.1:9050`` is the one-line
        error ``LOWPROFILE_PROXY=127.0.0.1:9050`` is, never a traceback at the first request."""
        settings = replace(self, **{k: v for k, v in changes.items() if v is not None})
        _check(settings)
        return settings


def _coerce(name: str, raw: Any, kind: Any, source: str) -> Any:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if kind_name.startswith("float"):
            return float(raw)
        if kind_name.startswith("bool"):
            return _bool(raw)
        if kind_name.startswith("int"):
            return int(raw)
        if kind_name.startswith("dict"):
            if not isinstance(raw, dict):
                raise TypeError("expected a table")
            return {str(k): float(v) for k, v in raw.items()}
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {name}: {exc}") from exc


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{raw!r} is not true or false")


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the config file, then the environment; unknown keys are an error."""
    path = path or settings_path()
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    known = {f.name: f for f in fields(Settings)}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        flat: dict[str, Any] = {}
        for key, value in data.items():
            # Sections ([net], [services]) are only for reading comfort: keys are unique anyway.
            if isinstance(value, dict) and key not in known:
                flat.update(value)
            else:
                flat[key] = value
        for key, value in flat.items():
            if key not in known:
                raise ConfigError(f"{path}: {key}: unknown setting")
            values[key] = _coerce(key, value, known[key].type, str(path))
    for f in fields(Settings):
        env_name = f.metadata.get("env")
        if env_name and env.get(env_name):
            values[f.name] = _coerce(f.name, env[env_name], f.type, env_name)
    settings = Settings(**values)
    _check(settings)
    check_environment_proxies(env)
    return settings


def _check(settings: Settings) -> None:
    if settings.concurrency < 1 or settings.per_host_concurrency < 1:
        raise ConfigError("concurrency and per_host_concurrency must be at least 1")
    if settings.host_interval < 0 or settings.retries < 0:
        raise ConfigError("host_interval and retries cannot be negative")
    if settings.fail_on not in ("critical", "high", "medium", "low", "info"):
        raise ConfigError(f"fail_on: {settings.fail_on!r} is not a severity")
    if settings.browser_mode not in BROWSER_MODES:
        raise ConfigError(
            f"browser_mode: {settings.browser_mode!r} is not one of {', '.join(BROWSER_MODES)}"
        )
    if settings.proxy:
        problem = proxy_problem(settings.proxy)
        if problem:
            raise ConfigError(f"proxy: {shown_proxy(settings.proxy)} {problem}")
    if settings.ca_bundle and not Path(settings.ca_bundle).expanduser().exists():
        raise ConfigError(f"ca_bundle: {settings.ca_bundle}: no such file or folder")
    check_mailbox(settings)
    unknown = [c for c in settings.mention_news_sources if c not in MENTION_NEWS]
    if unknown:
        known = ", ".join((*MENTION_NEWS, "none"))
        raise ConfigError(f"mention_news: {', '.join(unknown)} is not one of {known}")
    if settings.smtp_security not in SMTP_SECURITY:
        raise ConfigError(
            f"smtp_security: {settings.smtp_security!r} is not one of {', '.join(SMTP_SECURITY)}"
        )


MENTION_NEWS = ("google", "bing")
"""The news searches ``mention_news`` may name (``mentions.news`` builds their feed URLs)."""
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
"""The proxies httpx can use (``socks5`` through socksio, a dependency)."""
PROXY_ENV = ("http_proxy", "https_proxy", "all_proxy")
"""The proxy variables httpx honours (``urllib.request.getproxies``: either case)."""


def proxy_problem(url: str) -> str | None:
    """What keeps ``url`` from being a proxy every request can go through, or None.

    httpx refuses another scheme (``socks://``, no scheme at all) with a ValueError when the
    client is built, and a port it cannot read with InvalidURL: both tracebacks from deep inside
    a scan. Checked where the settings are read, every way in (flag, config file,
    ``LOWPROFILE_PROXY``, ``HTTPS_PROXY``) is one line and exit 2 before any request.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        return f"is not a proxy URL ({exc})"
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return "must start with http://, https:// or socks5:// (e.g. socks5://127.0.0.1:9050)"
    if not parts.hostname:
        return "names no host (e.g. socks5://127.0.0.1:9050)"
    if not url.isprintable() or any(char.isspace() for char in url):
        return "contains a space or a control character"
    return None


def shown_proxy(url: str) -> str:
    """A proxy address for an error message: a user name and password in it are not shown."""
    scheme, sep, rest = url.rpartition("://")
    if "@" in rest:
        rest = "…@" + rest.rpartition("@")[2]
    return repr(f"{scheme}{sep}{rest}")


def check_environment_proxies(env: Mapping[str, str]) -> None:
    """The proxy variables httpx will read are usable (``load_settings`` asks, so every command
    and the scheduled run do). A value without a scheme is read as
    ``http://`` (as httpx reads it); a GNOME-style ``socks://`` is refused, naming the
    variable, since httpx would refuse it with a traceback."""
    for name, value in env.items():
        if name.lower() in PROXY_ENV and value:
            url = value if "://" in value else f"http://{value}"
            problem = proxy_problem(url)
            if problem:
                raise ConfigError(f"{name}: {shown_proxy(value)} {problem}")


SMTP_SECURITY = ("auto", "ssl", "starttls")
IMAP_SECURITY = ("ssl", "starttls", "none")


def check_mailbox(settings: Settings) -> None:
    """The mailbox settings are well formed: a known security, a port, a user with a host. (That a
    plain-text login goes to this machine only is the mail session's rule, ``mail/imap.py``.)"""
    if settings.imap_security not in IMAP_SECURITY:
        raise ConfigError(
            f"imap_security: {settings.imap_security!r} is not one of {', '.join(IMAP_SECURITY)}"
        )
    if not 0 < settings.imap_port < 65536:
        raise ConfigError(f"imap_port: {settings.imap_port} is not a port number")
    if settings.imap_host and not settings.imap_user:
        raise ConfigError("imap_user: needed with imap_host (the mailbox login)")


def get_secret(name: str) -> str | None:
    """A secret from its environment variable, else the OS keyring, else None. Never cached."""
    env_name = SECRET_ENV.get(name)
    if env_name and os.environ.get(env_name):
        return os.environ[env_name].strip()
    if os.environ.get("LOWPROFILE_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name)
    except (KeyringError, RuntimeError, OSError):
        return None


def set_secret(name: str, value: str) -> None:
    """Store a secret in the OS keyring; where there is none, say to use the environment."""
    import keyring
    from keyring.errors import KeyringError

    env_hint = SECRET_ENV.get(name, "the environment")
    try:
        keyring.set_password(KEYRING_SERVICE, name, value)
    except (KeyringError, RuntimeError, OSError) as exc:
        raise ConfigError(
            f"no usable OS keyring here ({exc.__class__.__name__}); set {env_hint} instead"
        ) from exc
