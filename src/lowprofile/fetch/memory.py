"""What each host cost the last run, so the next run starts the slow ones first.

A check ends when its last chain of requests ends, and which chains are long is only learnt as
hosts answer: a site that asks us to wait (a 429 with a Retry-After) needs a retry a second or
more later, then perhaps a made-up-name control one interval after that; a slow site holds its
slot for seconds. Reached last, either is the whole tail of the run: on issue 24's stand-in a
429 site first asked at 4.1 s ended the check at 6.9 s, alone, 1.5 s after the rest. Nothing in
a site list says which sites do this, but the last run saw it. So a run keeps, per host, how
long its longest request took from its first try's start to its final answer (the pauses the
site asked for included), and the next run gives a host that took long its first request ahead
of the others (``Http._urgency``): the longest first, as a scheduler does with known job times.

What is kept is what the site did, timed, never what it said about anyone: no URL, no name, no
answer; a host made of the name asked (``{account}.example.com``) is not kept at all. The file
is the person's own (0600) in the data folder's cache; hosts not seen for ``KEEP_DAYS`` are
forgotten and at most ``MAX_HOSTS`` are kept; a file that cannot be read is an empty memory,
never an error. Politeness never depends on it: only the order of first requests.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from lowprofile.config import data_dir
from lowprofile.files import write_private

log = logging.getLogger(__name__)

FORM = 1
KEEP_DAYS = 90
MAX_HOSTS = 5000
DAY = 86_400.0


def memory_path() -> Path:
    return data_dir() / "cache" / "hosts.json"


@dataclass
class HostMemory:
    """Seconds each host's longest request took: ``kept`` from earlier runs (with when it was
    last seen, in Unix time), ``noted`` in this one."""

    path: Path | None = None
    kept: dict[str, tuple[float, float]] = field(default_factory=dict)
    noted: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None, *, now: float | None = None) -> HostMemory:
        """The memory at ``path`` (the data folder's by default); empty when there is none or
        it cannot be read, and without the hosts not seen for ``KEEP_DAYS``."""
        path = path or memory_path()
        now = time.time() if now is None else now
        try:
            raw = json.loads(path.read_bytes())
            hosts = raw["hosts"] if raw.get("form") == FORM else {}
            kept = {
                str(host): (float(took), float(seen))
                for host, (took, seen) in hosts.items()
                if now - float(seen) < KEEP_DAYS * DAY and float(took) >= 0
            }
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.debug("host memory %s not read: %s", path, exc)
            kept = {}
        return cls(path, kept)

    def took(self, host: str) -> float | None:
        """How long ``host``'s longest request took last time, or None (never seen)."""
        kept = self.kept.get(host.lower())
        return None if kept is None else kept[0]

    def note(self, host: str, seconds: float) -> None:
        """One request to ``host`` took ``seconds``, first try to final answer."""
        key = host.lower()
        self.noted[key] = max(self.noted.get(key, 0.0), seconds)

    def save(self, *, now: float | None = None) -> None:
        """Keep this run's times over the earlier ones; a folder that cannot be written only
        costs the next run its head start."""
        if self.path is None or not self.noted:
            return
        now = time.time() if now is None else now
        merged = dict(self.kept)
        merged.update({host: (took, now) for host, took in self.noted.items()})
        newest = sorted(merged.items(), key=lambda item: item[1][1], reverse=True)[:MAX_HOSTS]
        hosts = {host: [round(took, 3), round(seen)] for host, (took, seen) in newest}
        try:
            write_private(self.path, json.dumps({"form": FORM, "hosts": hosts}))
        except OSError as exc:
            log.debug("host memory not kept: %s", exc)
