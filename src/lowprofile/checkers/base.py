"""The Checker protocol and the registry of checkers.

A checker is one pluggable source of findings (a family of broker sites, a breach service, the
photo scanner). It takes a Subject and yields CheckResults; it never prints and never exits, and a
blocked site or a missing key is a result with a status, not an exception.

Built-in checkers are listed in ``BUILTIN_CHECKERS`` as import strings, so that listing them (for
``--help``, ``lowprofile checkers``) costs no import of httpx, bs4 or Pillow. Third-party packages
add theirs through the entry point group ``lowprofile.checkers``::

    [project.entry-points."lowprofile.checkers"]
    mysite = "mypackage.checker:MySiteChecker"

The entry point's name is the checker id; it must be stable, because history keys depend on it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from lowprofile.config import Settings
from lowprofile.coverage import KIND_ALIASES
from lowprofile.errors import CheckerError, NetError, RateLimited
from lowprofile.results import CheckResult, Status
from lowprofile.subject import Subject

if TYPE_CHECKING:
    from lowprofile.browser.engine import BrowserEngine
    from lowprofile.browser.evidence import EvidenceKeeper
    from lowprofile.fetch.http import Http
    from lowprofile.optout.model import HandCheck

ENTRY_POINT_GROUP = "lowprofile.checkers"

BUILTIN_CHECKERS: dict[str, str] = {
    # id -> "module:attribute"; the attribute is a Checker class (instantiated without arguments).
    "brokers": "lowprofile.checkers.brokers:BrokerChecker",
    "xposedornot": "lowprofile.checkers.breaches:XposedOrNotChecker",
    "hibp": "lowprofile.checkers.breaches:HibpChecker",
    "photos": "lowprofile.checkers.photos:PhotoChecker",
    "usernames": "lowprofile.checkers.usernames:UsernameChecker",
    "mentions": "lowprofile.checkers.mentions:MentionsChecker",
}


@dataclass(frozen=True)
class Readiness:
    """Whether a checker can run here, and if not, the one-line reason the user sees."""

    ready: bool
    reason: str = ""


@dataclass(frozen=True)
class ScanOptions:
    """What one scan is asked to do beyond the settings, as typed fields: a misspelt option is
    a mypy error, not a key nobody reads. Nothing here comes from the environment or a file
    (``config`` reads those); the CLI, the scheduler or a script fills it in."""

    browser: str | None = None
    """One of ``config.BROWSER_MODES``. None: the pipeline uses the setting ``browser_mode``,
    and a bare ``run_scan`` (a script, a test) starts no browser."""
    show_browser: bool = False
    """A visible browser window, where the person can answer a site's check."""
    notify: Callable[[str], None] | None = None
    """Told when a site waits for the person in the visible browser."""
    sites: tuple[str, ...] = ()
    """Only these broker ids (``scan --site``); empty: every broker."""
    reveal_emails: bool = False
    """Addresses as typed (``breaches check``), not masked."""
    save_pages: Path | None = None
    """Where to keep fetched pages for debugging; None keeps nothing."""
    evidence_dir: Path | None = None
    """Where found listings keep their evidence; the pipeline names one per scan."""
    mention_feeds: tuple[str, ...] = ()
    """The person's own feed addresses (``mentions add``), read by the pipeline for the
    ``mentions`` checker, which reads no file."""


@dataclass
class CheckContext:
    """What a running checker may use: the shared HTTP client, the settings, the scan's options
    and what the history says that the checker needs. A checker opens no database and reads no
    config file: the pipeline did that once, before the checkers started."""

    http: Http
    settings: Settings
    options: ScanOptions = field(default_factory=ScanOptions)
    advance: Callable[[int], None] = field(default=lambda n: None)
    """Report progress: call with the number of targets just finished."""
    browser: BrowserEngine | None = None
    """The scan's one browser (started on first use), or None where it cannot or may not run."""
    evidence: EvidenceKeeper | None = None
    """Where found and possible listings keep their evidence; None keeps none."""
    hand_checks: Mapping[str, HandCheck] = field(default_factory=dict)
    """Broker id -> the newest thing the person recorded for a site searched by hand
    (``optout checked``), read from the history by the pipeline."""

    @property
    def browser_mode(self) -> str:
        """``auto``, ``always`` or ``never``; a context nobody set a mode for uses no browser."""
        return self.options.browser or "never"

    @property
    def save_pages(self) -> Path | None:
        return self.options.save_pages


@runtime_checkable
class Checker(Protocol):
    """One source of findings. Implementations are plain classes; no base class is required."""

    id: str
    """Stable identifier (history keys depend on it), e.g. ``brokers``, ``xposedornot``."""
    title: str
    """What a person calls it, e.g. "People-search sites"."""

    def readiness(self, settings: Settings) -> Readiness:
        """Can this checker run with these settings (an API key present, a library installed)?"""
        ...

    def targets(self, subject: Subject) -> int:
        """How many results a scan of ``subject`` will yield, for the progress bar (0: unknown)."""
        ...

    def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        """Yield one CheckResult per target. Network trouble becomes a result, not an exception."""
        ...


@dataclass(frozen=True)
class CheckerSpec:
    """A registered checker before it is imported: where it comes from and how to load it."""

    id: str
    target: str
    origin: str
    """``builtin`` or the name of the distribution that provides the entry point."""
    load: Callable[[], Any]


def entry_points(group: str) -> Any:
    """The installed entry points of ``group``: importlib.metadata's, loaded on first use, since
    it costs tens of milliseconds and a command that runs a checker it names never needs it."""
    from importlib.metadata import entry_points as installed

    return installed(group=group)


def registered_checkers() -> dict[str, CheckerSpec]:
    """Every known checker id, built-ins first; a plugin cannot silently replace a built-in."""
    specs: dict[str, CheckerSpec] = {}
    for checker_id, target in BUILTIN_CHECKERS.items():
        specs[checker_id] = CheckerSpec(
            checker_id, target, "builtin", functools.partial(_import, target)
        )
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in specs:
            continue
        dist = getattr(ep, "dist", None)
        origin = dist.name if dist is not None else "plugin"
        specs[ep.name] = CheckerSpec(ep.name, ep.value, origin, ep.load)
    return specs


def _import(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def load_checker(spec: CheckerSpec) -> Checker:
    """Import and instantiate one checker; any failure becomes a CheckerError naming it."""
    try:
        factory = spec.load()
        checker = factory() if callable(factory) else factory
    except Exception as exc:
        raise CheckerError(f"checker {spec.id!r} ({spec.target}) cannot be loaded: {exc}") from exc
    for attribute in ("id", "title", "readiness", "targets", "check"):
        if not hasattr(checker, attribute):
            raise CheckerError(f"checker {spec.id!r} ({spec.target}) has no {attribute!r}")
    if checker.id != spec.id:
        raise CheckerError(f"checker registered as {spec.id!r} calls itself {checker.id!r}")
    loaded: Checker = checker
    return loaded


def select_checkers(
    only: list[str] | None = None, skip: list[str] | None = None
) -> tuple[list[CheckerSpec], list[str]]:
    """The specs to run for ``--only``/``--skip``, and the names asked for that do not exist.
    A kind of source (``breaches``, ``people-search``) stands for its checkers."""
    specs = registered_checkers()
    only = [c for name in only or [] for c in KIND_ALIASES.get(name, (name,))] or None
    skip = [c for name in skip or [] for c in KIND_ALIASES.get(name, (name,))] or None
    wanted = list(specs) if not only else only
    unknown = [name for name in (only or []) + (skip or []) if name not in specs]
    chosen = [specs[name] for name in wanted if name in specs and name not in (skip or [])]
    return chosen, unknown


def shown_email(email: str, ctx: CheckContext) -> str:
    """How an address appears in results: masked in a report meant to be kept or shared, as
    typed when the person only asked about their own addresses (``breaches check``), where two
    addresses starting with the same letter must be told apart."""
    from lowprofile.privacy import mask_email

    return email if ctx.options.reveal_emails else mask_email(email)


def result_for_net_error(
    checker: str, target: str, exc: NetError, *, url: str | None = None, source: str | None = None
) -> CheckResult:
    """The honest status for a request the network layer gave up on: rate limits are ``blocked``,
    everything else ``error``; never ``not_found``."""
    status = Status.BLOCKED if isinstance(exc, RateLimited) else Status.ERROR
    return CheckResult(
        checker=checker, target=target, status=status, detail=str(exc), url=url, source=source
    )
