"""The screens a person sees in ``lowprofile review``, as PNGs for docs/review.md.

Plays one sitting over the review tests' five local sites (127.0.0.1) in a headed Chromium,
with a stand-in person who clicks through the challenge, answers ``l`` on the manual site and
ticks the opt-out's captcha, and takes a picture at each moment: the window as it stands, with
the terminal's lines so far beneath it. Drawn from the real run, not mocked up.

Run (a display is needed): xvfb-run -a python tools/review_screens.py [--out docs/review]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import html
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "review"), str(ROOT / "tests")]

SHEET = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #d9d9d9; font: 14px sans-serif; width: 1000px; }}
.window {{ margin: 16px; border: 1px solid #888; background: #fff; }}
.bar {{ background: #ececec; padding: 6px 10px; color: #333; border-bottom: 1px solid #bbb; }}
.window img {{ display: block; width: 966px; }}
pre {{ margin: 16px; padding: 12px; background: #1e1e1e; color: #e0e0e0; white-space: pre-wrap;
  font: 13px monospace; min-height: 120px; }}
h2 {{ margin: 16px 16px 0; font-size: 15px; }}
</style></head><body><h2>{title}</h2>{window}<pre>{terminal}</pre></body></html>"""


class Recorder:
    """The terminal: what was said, and ``l`` for the manual site after a look at the page."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        self.lines.append(line)

    async def ask(self, prompt: str) -> str | None:
        self.lines.append(prompt + "l")
        await asyncio.sleep(1.0)  # the person looks at the page
        return "l"


class Camera:
    """Takes the pictures: the live page at a moment, and later the sheet drawn around it with
    the terminal's lines up to the one that moment is about (``until``)."""

    def __init__(self, out: Path, terminal: Recorder) -> None:
        self.out = out
        self.terminal = terminal
        self.shots: list[tuple[str, str, bytes | None]] = []
        self.later: list[tuple[str, str, str]] = []

    async def shoot(self, title: str, until: str, page: Any | None) -> None:
        png = await page.screenshot() if page is not None else None
        self.shots.append((title, until, png))

    def kept(self, title: str, until: str, broker: str) -> None:
        """The page as the sitting kept it for ``broker``'s evidence (its tab is closed by
        the time the picture is developed)."""
        self.later.append((title, until, broker))

    def _upto(self, until: str) -> tuple[int, str]:
        lines = self.terminal.lines
        end = next((n for n, line in enumerate(lines) if until in line), len(lines) - 1)
        return end, "\n".join(lines[: end + 1][-14:])

    async def develop(self, browser: Any) -> list[Path]:
        from lowprofile.browser.evidence import evidence_root

        for title, until, broker in self.later:
            kept = sorted(evidence_root().glob(f"review-*/{broker}/*.png"))
            self.shots.append((title, until, kept[0].read_bytes() if kept else None))
        sheets = sorted((*self._upto(until), title, png) for title, until, png in self.shots)
        written = []
        page = await browser.new_page(viewport={"width": 1000, "height": 400})
        for number, (_, lines, title, png) in enumerate(sheets, 1):
            window = ""
            if png is not None:
                src = "data:image/png;base64," + base64.b64encode(png).decode()
                window = (
                    f'<div class="window"><div class="bar">Chromium</div><img src="{src}"></div>'
                )
            heading = html.escape(f"{number}. {title}")
            sheet = SHEET.format(title=heading, window=window, terminal=html.escape(lines))
            await page.set_content(sheet)
            path = self.out / f"{number}-{_slug(title)}.png"
            await page.screenshot(path=str(path), full_page=True)
            written.append(path)
        return written


def _slug(title: str) -> str:
    words = "".join(c if c.isalnum() or c == " " else " " for c in title.lower()).split()
    return "-".join(words[:4])


async def sitting(out: Path) -> list[Path]:
    from playwright.async_api import async_playwright
    from reviewkit import SUBJECT, save_scan
    from reviewsite import serve, write_broker

    from lowprofile.brokers.loader import load_brokers
    from lowprofile.config import config_dir, load_settings
    from lowprofile.optout.records import RequestLedger
    from lowprofile.review.queue import Item, build_queue
    from lowprofile.review.session import sit, summary
    from lowprofile.sitting import Progress
    from lowprofile.store import Store

    terminal = Recorder()
    camera = Camera(out, terminal)

    async def person(item: Item, page: Any) -> None:
        await asyncio.sleep(0.5)  # the page is drawn, the terminal's line written
        if item.broker.id == "gated":
            await camera.shoot(
                "A site behind a check: the person passes it", "pass the check", page
            )
            await page.locator("#continue").click()
            title = "The wall is gone: lowprofile reads the page itself, no key"
            camera.kept(title, "gated: read by lowprofile", "gated")
        elif item.broker.id == "handsite":
            title = "A site with no recipe: one key in the terminal"
            await camera.shoot(title, "handsite: look for yourself", page)
        elif item.broker.id == "formsite":
            title = "An opt-out filled as far as its steps go: the person solves the captcha"
            await camera.shoot(title, "solve the captcha", page)
            await page.check("#human")

    with serve() as site:
        folder = config_dir() / "brokers"
        write_broker(folder, "gated", site.base, "gated")
        write_broker(folder, "handsite", site.base, "manual", manual=True)
        write_broker(folder, "formsite", site.base, "open", steps=True)
        write_broker(folder, "deadsite", site.dead_base, "manual", manual=True)
        save_scan(site)
        with Store() as store:
            report = store.load(store.resolve("latest", SUBJECT.person_id))
        with RequestLedger(SUBJECT.person_id) as ledger:
            items = build_queue(report, load_brokers().brokers, ledger.requests())
            progress = Progress(SUBJECT.person_id)
            await sit(items, SUBJECT, load_settings(), ledger, progress, terminal, watch=person)
    terminal.lines += summary(items, progress)
    await camera.shoot("The end of the sitting: what was answered and opened up", "\0", None)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=os.environ.get("LOWPROFILE_BROWSER", "/usr/bin/chromium")
        )
        try:
            return await camera.develop(browser)
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "review")
    args = parser.parse_args()
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        sys.exit("no display: run under xvfb-run -a")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LOWPROFILE_DATA_DIR"] = str(Path(folder) / "data")
        os.environ["LOWPROFILE_CONFIG_DIR"] = str(Path(folder) / "config")
        os.environ["LOWPROFILE_ALLOW_LOOPBACK"] = "1"
        os.environ["LOWPROFILE_HOST_INTERVAL"] = "0"
        import lowprofile.brokers.loader as loader

        empty = Path(folder) / "no-shipped-brokers"
        empty.mkdir()
        loader.shipped_brokers_dir = lambda: empty  # type: ignore[assignment]
        for path in asyncio.run(sitting(args.out)):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
