"""Pages per second through the browser engine beside plain HTTP, and 20 browser recipes at once.

Against the local stand-in site of the browser tests (127.0.0.1, one host, so the pause between
two requests to a host is set to 0 here: on the real sites each recipe is its own host):

* plain HTTP: ``net.Http`` fetching the static result page, N times, 8 in flight;
* the browser engine: the page whose cards a script inserts 300 ms after load, N times, through
  one Chromium with 3 pages in flight, waiting for the cards; the first page (which starts the
  browser) is timed apart;
* the reference: ``chromium --headless --dump-dom URL``, one process per page, as a script that
  shells out to the browser would do it (it does not wait for the cards; it is a floor, not a
  like-for-like);
* a scan of 20 user recipes with ``fetch = "browser"`` (``--browser always``) beside a scan of
  one: one browser for the scan and pages in flight, so 20 must not take 20 times one.

Run: python bench/browser.py [--pages 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from localsite import serve, write_recipe  # noqa: E402

from lowprofile.brokers.loader import BrokerSet, link_brokers  # noqa: E402
from lowprofile.brokers.schema import check_broker_file  # noqa: E402
from lowprofile.browser.engine import BrowserEngine  # noqa: E402
from lowprofile.browser.locate import availability  # noqa: E402
from lowprofile.checkers.base import CheckerSpec, ScanOptions  # noqa: E402
from lowprofile.checkers.brokers import BrokerChecker  # noqa: E402
from lowprofile.config import Settings  # noqa: E402
from lowprofile.fetch.http import Http  # noqa: E402
from lowprofile.results import Status  # noqa: E402
from lowprofile.scan import run_scan  # noqa: E402
from lowprofile.subject import Address, Name, Subject  # noqa: E402

SETTINGS = Settings(host_interval=0, retries=0)


async def plain_http(base: str, pages: int) -> float:
    async with Http(SETTINGS) as http:
        start = time.perf_counter()
        answers = await asyncio.gather(*(http.get(f"{base}/plain?n={i}") for i in range(pages)))
        elapsed = time.perf_counter() - start
    assert all(".card" in a.text or "card" in a.text for a in answers)  # noqa: S101
    return elapsed


async def through_browser(base: str, pages: int) -> tuple[float, float]:
    async with BrowserEngine(SETTINGS) as engine:
        start = time.perf_counter()
        first = await engine.fetch(f"{base}/js?n=first", [".card"])
        cold = time.perf_counter() - start
        start = time.perf_counter()
        rendered = await asyncio.gather(
            *(engine.fetch(f"{base}/js?n={i}", [".card"]) for i in range(pages))
        )
        warm = time.perf_counter() - start
    assert 'class="card"' in first.html  # noqa: S101
    assert all('class="card"' in r.html for r in rendered)  # noqa: S101
    return cold, warm


def reference(base: str, pages: int) -> float | None:
    found = availability()
    if found.executable is None:
        return None
    flags = ["--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    flags += ["--no-sandbox"] if os.geteuid() == 0 else []
    start = time.perf_counter()
    for i in range(pages):
        subprocess.run(  # noqa: S603 - the installed browser, our own arguments
            [str(found.executable), *flags, "--dump-dom", f"{base}/js?ref={i}"],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return time.perf_counter() - start


def scan_of(base: str, recipes: int, folder: Path) -> float:
    os.environ["LOWPROFILE_ALLOW_LOOPBACK"] = "1"
    brokers = {}
    for i in range(recipes):
        broker, problems = check_broker_file(write_recipe(folder, f"site{i:02d}", base, f"js{i}"))
        assert broker is not None, problems  # noqa: S101
        brokers[broker.id] = broker
    linked, _ = link_brokers(brokers)
    spec = CheckerSpec("brokers", "bench", "bench", lambda: BrokerChecker(BrokerSet(linked)))
    subject = Subject(names=(Name("Jane", "Doe"),), addresses=(Address("Austin", "TX"),))
    start = time.perf_counter()
    report = asyncio.run(run_scan(subject, [spec], SETTINGS, options=ScanOptions(browser="always")))
    elapsed = time.perf_counter() - start
    found = [r for r in report.results if r.status is Status.FOUND]
    assert len(found) == recipes, [(r.source, r.status, r.detail) for r in report.results]  # noqa: S101
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    if not availability().ready:
        sys.exit(f"bench/browser.py: {availability().reason}")
    with serve() as site, tempfile.TemporaryDirectory() as tmp:
        os.environ["LOWPROFILE_DATA_DIR"] = str(Path(tmp) / "data")
        http = asyncio.run(plain_http(site.base, args.pages))
        cold, warm = asyncio.run(through_browser(site.base, args.pages))
        ref_pages = max(1, args.pages // 8)
        ref = reference(site.base, ref_pages)
        one = scan_of(site.base, 1, Path(tmp) / "one")
        twenty = scan_of(site.base, 20, Path(tmp) / "twenty")
    n = args.pages
    rows = [
        ("plain HTTP (net.Http, static page)", f"{n} pages in {http:6.2f} s = {n / http:6.1f}/s"),
        ("browser engine (script-built cards)", f"{n} pages in {warm:6.2f} s = {n / warm:6.1f}/s"),
        ("  its first page, starting Chromium", f"{cold:6.2f} s"),
    ]
    if ref is not None:
        rate = f"{ref_pages} pages in {ref:6.2f} s = {ref_pages / ref:6.1f}/s"
        rows.append(("reference: chromium --headless --dump-dom", rate))
    rows.append(("scan, 1 browser recipe (always)", f"{one:6.2f} s"))
    rows.append(
        ("scan, 20 browser recipes (always)", f"{twenty:6.2f} s = {twenty / one:.1f} x one")
    )
    for label, figure in rows:
        print(f"{label:<44} {figure}")


if __name__ == "__main__":
    main()
