"""lowprofile, Sherlock and Maigret side by side on issue 24's 300-site stand-in.

The stand-in (``bench/usernames_mix.py``) serves 300 sites, each on its own loopback address,
answering in 0.3-0.5 s; the test account has 95 accounts on sites that can answer. Each tool
runs at its defaults as one process, on the same list written in its own format:

* ``lowprofile usernames check NAME --sites FILE --json``;
* ``sherlock NAME --json FILE --csv`` (plus ``--ignore-exclusions``, which only skips the
  download of its upstream exclusion list), through ``bench/loopback_only.py``, since Sherlock
  asks GitHub for a newer release on every start: every connection off this machine is refused;
* ``maigret NAME --db FILE`` (with ``--print-not-found --print-errors`` so every site's verdict
  is printed), through the same wrapper.

A tool that is not installed (beside this Python or on PATH) is skipped, saying so. For each:
wall time (the whole process), true hits out of 95, false accounts (an account claimed where
there is none: a soft site, a wall), misses (an account on a site that can answer, not claimed),
and "not found" said of a site that cannot answer (a wall or the endless 429). lowprofile's line
says whether the run was cold (the first in its data folder: its site list never checked, no
memory of what each host cost) or warm (a later one, as a person's next check), and gives its
own lower bound (its slowest chain as its requests met the servers, or requests x
0.4 s / in flight, whichever is longer), its scan time (first request to last answer, as the
servers saw it) and its request count.

Then, with ``--hang``, one more lowprofile run with a site that accepts and never answers among
them, at the default deadline: it must end within 65 s with every other site answered.

Run: python bench/usernames_vs.py [--runs 1] [--hang]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from usernames_mix import ACCOUNT, BenchSite, Running, serve, write_lists  # noqa: E402

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def tool_python(script: str) -> str | None:
    """The interpreter a console script runs under (its ``#!`` line), looked for beside this
    bench's own Python first, then on PATH: Sherlock and Maigret may live in a virtual
    environment of their own (they are not lowprofile's dependencies). None: not installed."""
    search = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
    found = shutil.which(script, path=search)
    if found is None:
        return None
    with open(found, "rb") as head:
        first = head.readline()
    return first[2:].decode().split()[0] if first.startswith(b"#!") else sys.executable


MEAN_DELAY = 0.4


@dataclass
class Score:
    """One tool's run, read against the truth."""

    tool: str
    wall: float
    hits: int
    false_accounts: int
    misses: int
    not_found_on_wall: int
    note: str = ""


def score(tool: str, wall: float, verdicts: dict[str, str], sites: list[BenchSite]) -> Score:
    """``verdicts``: site name -> found / not_found / other, as the tool said it."""
    hits = false = misses = walled = 0
    for site in sites:
        said = verdicts.get(site.name, "missing")
        if said == "found":
            if site.answers and site.account:
                hits += 1
            elif not site.account:
                false += 1
        elif site.answers and site.account:
            misses += 1
        if said == "not_found" and not site.answers and site.kind != "soft":
            walled += 1
    return Score(tool, wall, hits, false, misses, walled)


CPU: dict[str, float] = {}
"""CPU seconds (user + system) of the last run of each command, by its first word."""


def run(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=cwd, check=False, timeout=600
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        sys.exit(f"{command[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    return wall, done.stdout


def lowprofile(paths: dict[str, Path], env: dict[str, str], cwd: Path) -> tuple[float, dict]:
    exe = shutil.which("lowprofile", path=str(BIN)) or sys.exit("lowprofile is not installed")
    command = [exe, "usernames", "check", ACCOUNT, "--sites", str(paths["lowprofile"]), "--json"]
    wall, out = run(command, env, cwd)
    report = json.loads(out)
    return wall, {r["source"]: r["status"] for r in report["results"]}


def sherlock(paths: dict[str, Path], env: dict[str, str], cwd: Path) -> tuple[float, dict]:
    wrapper = [tool_python("sherlock") or "", str(HERE / "loopback_only.py"), "sherlock"]
    command = [*wrapper, ACCOUNT, "--json", str(paths["sherlock"]), "--csv"]
    wall, _ = run([*command, "--ignore-exclusions", "--no-color", "--print-all"], env, cwd)
    words = {"Claimed": "found", "Available": "not_found"}
    with (cwd / f"{ACCOUNT}.csv").open(newline="", encoding="utf-8") as table:
        return wall, {
            row["name"]: words.get(row["exists"], row["exists"]) for row in csv.DictReader(table)
        }


_MAIGRET_LINE = re.compile(r"^\[(.)\] ([^:]+): (.*)$")


def maigret(paths: dict[str, Path], env: dict[str, str], cwd: Path) -> tuple[float, dict]:
    wrapper = [tool_python("maigret") or "", str(HERE / "loopback_only.py"), "maigret"]
    command = [*wrapper, ACCOUNT, "--db", str(paths["maigret"]), "--no-color"]
    wall, out = run([*command, "--print-not-found", "--print-errors", "--no-progressbar"], env, cwd)
    verdicts = {}
    for line in out.splitlines():
        matched = _MAIGRET_LINE.match(line.strip())
        if matched:
            mark, name, rest = matched.groups()
            verdict = {"+": "found", "-": "not_found"}.get(mark, "other")
            if mark == "-" and "not found" not in rest.lower():
                verdict = "other"
            verdicts[name.strip()] = verdict
    return wall, verdicts


TOOLS: dict[str, tuple[str, Callable[..., tuple[float, dict]]]] = {
    "lowprofile": ("lowprofile", lowprofile),
    "sherlock": ("sherlock", sherlock),
    "maigret": ("maigret", maigret),
}


def detail(verdicts: dict[str, str], sites: list[BenchSite]) -> str:
    """How many sites of each kind (with / without the account) got each verdict."""
    seen = Counter(
        f"{s.kind}{'+' if s.account else ''}:{verdicts.get(s.name, 'missing')}" for s in sites
    )
    return ", ".join(f"{k} {n}" for k, n in sorted(seen.items()))


def bound(standin: Running, concurrency: int, interval: float) -> tuple[float, float, int]:
    """lowprofile's own lower bound for the run just logged; its chain; its request count."""
    count = standin.log.count
    chain = standin.log.longest_chain(interval)
    return max(chain, count * MEAN_DELAY / concurrency), chain, count


def hanging_run(paths: dict[str, Path], env: dict[str, str], cwd: Path, standin: Running) -> str:
    """One more lowprofile run with a site that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    accepted: list[float] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
                accepted.append(time.monotonic())
            except TimeoutError:
                continue
            except OSError:  # closed under us at the end
                return

    threading.Thread(target=accept, daemon=True).start()
    data = json.loads(paths["lowprofile"].read_text("utf-8"))
    stuck = dict(data["sites"][0], name="hanging-site")
    stuck["uri_check"] = f"http://127.0.0.1:{server.getsockname()[1]}/u/{{account}}"
    stuck.pop("uri_pretty", None)
    data["sites"].append(stuck)
    cwd.mkdir(exist_ok=True)
    hang_list = cwd / "with-hanging.json"
    hang_list.write_text(json.dumps(data), encoding="utf-8")
    standin.log.reset()
    began = time.monotonic()
    try:
        wall, verdicts = lowprofile({"lowprofile": hang_list}, env, cwd)
    finally:
        stop.set()
        time.sleep(0.2)
        for conn in held:
            conn.close()
        server.close()
    others = [s for s in standin.sites if verdicts.get(s.name) in (None, "error")]
    return (
        f"hanging site: {wall:.1f} s wall (must be under 65 s), it ended "
        f"{verdicts.get('hanging-site')!r} after {len(held)} connection(s); "
        f"other sites unanswered: {len(others)}; its first connection came "
        f"{accepted[0] - began:.1f} s after the start, the process ended "
        f"{began + wall - accepted[0]:.1f} s after it; the other sites' last answer came "
        f"{max(s + d for r in standin.log.requests.values() for s, d, _ in r) - began:.1f} s "
        "after the start"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each tool")
    parser.add_argument("--hang", action="store_true", help="also time a hanging site")
    parser.add_argument("--detail", action="store_true", help="verdicts per kind of site")
    parser.add_argument("--only", action="append", help="run only this tool (repeatable)")
    args = parser.parse_args()
    concurrency = int(os.environ.get("LOWPROFILE_CONCURRENCY", "32"))
    interval = float(os.environ.get("LOWPROFILE_HOST_INTERVAL", "1.0"))
    rows: list[Score] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, serve() as standin:
        folder = Path(tmp)
        env = dict(
            os.environ,
            LOWPROFILE_ALLOW_LOOPBACK="1",
            LOWPROFILE_CONFIG_DIR=str(folder / "config"),
            LOWPROFILE_DATA_DIR=str(folder / "data"),
            LOWPROFILE_NO_KEYRING="1",
            HOME=str(folder),
        )
        # Each tool runs as installed: its modules compiled once, not at every start (an
        # editable install under PYTHONDONTWRITEBYTECODE would compile lowprofile each run).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        paths = write_lists(standin.sites, folder)
        for _ in range(args.runs):
            for tool, (script, runner) in TOOLS.items():
                if args.only and tool not in args.only:
                    continue
                if tool_python(script) is None:
                    notes.append(f"{tool}: not installed here, skipped")
                    continue
                cwd = folder / f"{tool}-run"
                cwd.mkdir(exist_ok=True)
                standin.log.reset()
                # Cold: the first run in this data folder (its list never checked, no host
                # memory); warm: a later one, as a person's next monthly check.
                warm = (folder / "data" / "cache" / "hosts.json").exists()
                began = time.monotonic()
                wall, verdicts = runner(paths, env, cwd)
                startup = standin.log.first() - began
                row = score(tool, wall, verdicts, standin.sites)
                if args.detail:
                    notes.append(f"{tool}: {detail(verdicts, standin.sites)}")
                if tool == "lowprofile":
                    low, chain, count = bound(standin, concurrency, interval)
                    row.tool = f"lowprofile ({'warm' if warm else 'cold'})"
                    row.note = (
                        f"bound {low:.2f} s (chain {chain:.2f} s; {count} requests x "
                        f"{MEAN_DELAY} s / {concurrency}); {wall / low:.2f}x; scan proper "
                        f"{standin.log.span():.2f} s = {standin.log.span() / low:.2f}x; "
                        f"start-up {startup:.2f} s; CPU {CPU['last']:.1f} s"
                    )
                else:
                    row.note = (
                        f"{standin.log.count} requests; start-up {startup:.2f} s; "
                        f"CPU {CPU['last']:.1f} s"
                    )
                rows.append(row)
        if args.hang and shutil.which("lowprofile", path=str(BIN)):
            notes.append(hanging_run(paths, env, folder / "lowprofile-run", standin))
    print("| tool | wall time | true hits /95 | false accounts | misses | not found on a wall | |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.tool} | {r.wall:.2f} s | {r.hits} | {r.false_accounts} | {r.misses} "
            f"| {r.not_found_on_wall} | {r.note} |"
        )
    for note in dict.fromkeys(notes):
        print(note)


if __name__ == "__main__":
    main()
