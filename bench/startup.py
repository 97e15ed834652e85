"""How much starting lowprofile costs over starting the bare interpreter (median of 10 runs).

Two commands: ``lowprofile --help`` (shell completion and help must feel instant), and a whole
``lowprofile usernames check`` of one site on this machine that answers at once, which is what
a username check costs beyond its requests: loading what it uses, reading its site list,
writing the report, and exiting. The site list is checked once before timing (as it is on a
person's machine after the first run); the first run, with its full check of the list, is
timed on its own. The site notes when each request arrives, which splits a check into the
start (process start to its first request) and the end (its last request to the exit).

Run: python bench/startup.py [--against SRC]
``--against SRC`` times another source tree too (``git archive main src | tar -x -C DIR``,
then ``--against DIR/src``), run through ``PYTHONPATH`` like this one, alternating runs so both
see the same load: a before/after on a busy machine.
Target: ``--help`` under 0.3 s more than ``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from usernames_mix import LICENSE  # noqa: E402

RUNS = 10
HERE = Path(__file__).resolve().parents[1] / "src"


@dataclass
class Timing:
    """The runs of one command: wall and CPU time, and where the site saw requests, the time
    from the process start to the first and from the last to the process exit."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)

    def cells(self) -> str:
        def ms(values: list[float]) -> str:
            return f"{statistics.median(values) * 1000:>8.0f} ms" if values else " " * 11

        return f"{ms(self.wall)}{ms(self.cpu)}{ms(self.start)}{ms(self.end)}"


class _NoOne(BaseHTTPRequestHandler):
    """A site where nobody has an account: 404 at once. Notes when each request arrives."""

    arrivals: ClassVar[list[float]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.arrivals.append(time.monotonic())
        body = b"Not Found"
        self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


def run_once(command: list[str], env: dict[str, str] | None, timing: Timing) -> None:
    """One run of ``command``, its figures added to ``timing``."""
    _NoOne.arrivals.clear()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(
        command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    finish = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing.wall.append(finish - start)
    timing.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if _NoOne.arrivals:
        timing.start.append(_NoOne.arrivals[0] - start)
        timing.end.append(finish - _NoOne.arrivals[-1])


@contextmanager
def one_site(folder: Path) -> Iterator[Path]:
    """A WhatsMyName list of one site on 127.0.0.1, served while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoOne)
    Thread(target=server.serve_forever, daemon=True).start()
    site = {
        "name": "local",
        "uri_check": f"http://127.0.0.1:{server.server_address[1]}/u/{{account}}",
        "e_code": 200,
        "e_string": "profile",
        "m_code": 404,
        "m_string": "Not Found",
        "known": ["someone"],
        "cat": "social",
    }
    listing = folder / "one-site.json"
    data = {"license": LICENSE, "authors": ["bench"], "categories": ["social"], "sites": [site]}
    listing.write_text(json.dumps(data), encoding="utf-8")
    try:
        yield listing
    finally:
        server.shutdown()
        server.server_close()


def environment(tmp: str, data: str, source: Path) -> dict[str, str]:
    """A person's machine in ``tmp`` with the data folder ``data``, running ``source``."""
    env = dict(
        os.environ,
        LOWPROFILE_ALLOW_LOOPBACK="1",
        LOWPROFILE_CONFIG_DIR=f"{tmp}/config",
        LOWPROFILE_DATA_DIR=data,
        LOWPROFILE_NO_KEYRING="1",
        HOME=tmp,
        PYTHONPATH=str(source),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules compiled once
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another source tree to time beside this")
    args = parser.parse_args()
    trees = {"this": HERE, **({"against": args.against.resolve()} if args.against else {})}
    exe = Path(sys.executable).with_name("lowprofile")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "lowprofile"]
    bare = Timing()
    help_times = {name: Timing() for name in trees}
    checks = {name: Timing() for name in trees}
    firsts = {name: Timing() for name in trees}
    with tempfile.TemporaryDirectory() as tmp, one_site(Path(tmp)) as listing:
        check = [*base, "usernames", "check", "janeqdoe", "--sites", str(listing), "--json"]
        for name, source in trees.items():  # the list checked, the modules compiled
            warm = environment(tmp, f"{tmp}/{name}", source)
            subprocess.run(check, capture_output=True, env=warm)
        for run in range(RUNS):
            run_once([sys.executable, "-c", "pass"], None, bare)
            for name, source in trees.items():
                warm = environment(tmp, f"{tmp}/{name}", source)
                run_once([*base, "--help"], warm, help_times[name])
                run_once(check, warm, checks[name])
                run_once(check, environment(tmp, f"{tmp}/{name}-first-{run}", source), firsts[name])
    print(f"{'command (median of ' + str(RUNS) + ')':<46}{'wall':>11}{'CPU':>11}", end="")
    print(f"{'to 1st req':>11}{'last->exit':>11}")
    print(f"{'python -c pass':<46}{bare.cells()}")
    for name in trees:
        tag = f" [{name}]" if len(trees) > 1 else ""
        print(f"{'lowprofile --help' + tag:<46}{help_times[name].cells()}")
        print(f"{'lowprofile usernames check (1 site)' + tag:<46}{checks[name].cells()}")
        print(f"{'  the same, first run (list checked)' + tag:<46}{firsts[name].cells()}")
        extra = statistics.median(help_times[name].wall) - statistics.median(bare.wall)
        verdict = "ok" if extra < 0.3 else "OVER the 0.3 s budget"
        print(f"{'--help over python -c pass' + tag:<46}{extra * 1000:>8.0f} ms  ({verdict})")


if __name__ == "__main__":
    main()
