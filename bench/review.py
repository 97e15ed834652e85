"""What ``lowprofile review`` itself adds per site, beyond the page's load and the person's time.

Fifty local sites (127.0.0.1, the review tests' stand-in): 25 with a recipe whose result page
lowprofile reads by itself, and 25 without one, answered at once with ``n``. Each stop is timed
whole, less the page's own load (``goto``) and the time spent waiting for the person (a key, or
the polls while a wall stands); what is left is the tool: the tab, reading and judging the page,
the screenshot, page and manifest kept as evidence, the ledger row and the progress file.
Target: at most 1 s per site.

Run (a display is needed): xvfb-run -a python bench/review.py [--sites 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "review"), str(ROOT / "tests")]


class Instant:
    """A person who answers every key at once with "n" (not listed)."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, line: str) -> None:
        self.said.append(line)

    async def ask(self, prompt: str) -> str | None:
        return "n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=50)
    args = parser.parse_args()
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        sys.exit("no display: run under xvfb-run -a")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LOWPROFILE_DATA_DIR"] = str(Path(folder) / "data")
        os.environ["LOWPROFILE_CONFIG_DIR"] = str(Path(folder) / "config")
        os.environ["LOWPROFILE_ALLOW_LOOPBACK"] = "1"
        os.environ["LOWPROFILE_HOST_INTERVAL"] = "0"
        run(args.sites, Path(folder))


def run(sites: int, folder: Path) -> None:
    from reviewkit import SUBJECT
    from reviewsite import serve, write_broker

    from lowprofile.brokers.schema import check_broker_file
    from lowprofile.config import load_settings
    from lowprofile.optout.records import RequestLedger
    from lowprofile.review.queue import Item, Kind
    from lowprofile.review.session import sit
    from lowprofile.sitting import Progress

    with serve() as site:
        items = []
        for number in range(sites):
            manual = number % 2 == 1
            path = write_broker(
                folder / "brokers",
                f"site{number}",
                site.base,
                "manual" if manual else "open",
                manual=manual,
            )
            broker, problems = check_broker_file(path, allow_loopback=True)
            assert broker is not None, problems  # noqa: S101
            url = f"{site.base}/{'manual' if manual else 'open'}/search?n={number}"
            items.append(Item(Kind.SEARCH, broker, url, "manual" if manual else "blocked"))
        started = time.perf_counter()
        with RequestLedger(SUBJECT.person_id) as ledger:
            stops = asyncio.run(
                sit(items, SUBJECT, load_settings(), ledger, Progress(SUBJECT.person_id), Instant())
            )
        wall = time.perf_counter() - started
    assert len(stops) == sites, [s.detail for s in stops]  # noqa: S101
    read = [s for s in stops if s.item.reads_itself]
    asked = [s for s in stops if not s.item.reads_itself]
    print(f"{sites} local sites in {wall:.1f} s (the first one starts the browser)")
    for label, group in (("read by lowprofile", read), ("answered by a key", asked)):
        over = [s.overhead for s in group[1:]] or [0.0]
        loads = [s.load for s in group]
        print(
            f"  {label}: {len(group)} sites, page load median {statistics.median(loads):.3f} s, "
            f"tool's own time median {statistics.median(over):.3f} s, "
            f"max {max(over):.3f} s"
        )
    every = [s.overhead for s in stops[1:]]
    print(
        f"the tool adds {statistics.mean(every):.3f} s per site on average "
        f"(median {statistics.median(every):.3f} s, max {max(every):.3f} s; target <= 1 s)"
    )


if __name__ == "__main__":
    main()
