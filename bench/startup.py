"""How much starting lowprofile costs over starting the bare interpreter (median of 10 runs).

Two commands: ``lowprofile --help`` (shell completion and help must feel instant), and a whole
``lowprofile usernames check`` of one site on this machine that answers at once, which is what
a username check costs beyond its requests: loading what it uses, reading its site list,
writing the report, and exiting. The site list is checked once before timing (as it is on a
person's machine after the first run).

Run: python bench/startup.py
Target: ``--help`` under 0.3 s more than ``python -c pass``.
"""

from __future__ import annotations

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

sys.path.insert(0, str(Path(__file__).resolve().parent))
from usernames_mix import LICENSE  # noqa: E402

RUNS = 10


def median_seconds(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command: on a machine busy
    with other work the CPU time says more about the command itself."""
    times, cpu = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


class _NoOne(BaseHTTPRequestHandler):
    """A site where nobody has an account: 404 at once."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"Not Found"
        self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


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


def main() -> None:
    exe = Path(sys.executable).with_name("lowprofile")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "lowprofile"]
    bare = median_seconds([sys.executable, "-c", "pass"])
    help_time = median_seconds([*base, "--help"])
    with tempfile.TemporaryDirectory() as tmp, one_site(Path(tmp)) as listing:
        env = dict(
            os.environ,
            LOWPROFILE_ALLOW_LOOPBACK="1",
            LOWPROFILE_CONFIG_DIR=f"{tmp}/config",
            LOWPROFILE_DATA_DIR=f"{tmp}/data",
            LOWPROFILE_NO_KEYRING="1",
            HOME=tmp,
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules compiled once
        check = [*base, "usernames", "check", "janeqdoe", "--sites", str(listing), "--json"]
        subprocess.run(check, check=False, capture_output=True, env=env)  # the list checked
        check_time = median_seconds(check, env)
    print(f"{'command':<40}{'wall (median of ' + str(RUNS) + ')':>22}{'CPU':>10}")
    rows = [
        ("python -c pass", bare),
        ("lowprofile --help", help_time),
        ("lowprofile usernames check (1 site)", check_time),
    ]
    for name, (wall, cpu) in rows:
        print(f"{name:<40}{wall * 1000:>19.0f} ms{cpu * 1000:>7.0f} ms")
    extra = help_time[0] - bare[0]
    verdict = "ok" if extra < 0.3 else "OVER the 0.3 s budget"
    print(f"{'--help over python -c pass':<40}{extra * 1000:>19.0f} ms  ({verdict})")


if __name__ == "__main__":
    main()
