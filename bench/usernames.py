"""A full usernames run against 300 stand-in sites that each answer after 0.5 s, in one go.

Starts the loopback stand-in of WhatsMyName sites from the tests (two sites per address, every
kind: real accounts, POST APIs, strip_bad_char, redirects, sites that answer "found" for anyone,
Cloudflare walls, captcha pages, rotten rules), then runs, each as one process under
``/usr/bin/time -v`` where it exists:

* ``lowprofile usernames check jane.doe --sites FILE --json``: wall time beside the lower bound
  (sites x delay / requests in flight) and beside the bound that counts the control requests too;
  every answer is compared with the stand-in's truth (no false account, no not_found on a wall);
* ``lowprofile usernames doctor --sites FILE --json``: must name exactly the broken sites.

No reference tool is run: Sherlock, Maigret and WhatsMyName's own checker are not installed here.

Run: python bench/usernames.py [--sites 300] [--delay 0.5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "usernames"))
from standin import ACCOUNT, expected, standin_sites  # noqa: E402


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str, str, str]:
    """Run ``command``; wall seconds, stdout, and /usr/bin/time's wall and RSS lines if any."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else "")
    full = [gnu_time, "-v", *command] if gnu_time else command
    start = time.perf_counter()
    done = subprocess.run(full, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    clock = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return (
        wall,
        done.stdout,
        clock.group(1) if clock else "-",
        f"{int(rss.group(1)) // 1024} MB" if rss else "-",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    args = parser.parse_args()
    lowprofile = shutil.which("lowprofile") or sys.exit("lowprofile is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = dict(
            os.environ,
            LOWPROFILE_ALLOW_LOOPBACK="1",
            LOWPROFILE_CONFIG_DIR=str(folder / "config"),
            LOWPROFILE_DATA_DIR=str(folder / "data"),
            LOWPROFILE_NO_KEYRING="1",
            LOWPROFILE_CONCURRENCY=str(args.concurrency),
        )
        with standin_sites(args.sites, folder, delay=args.delay) as standin:
            command = [lowprofile, "usernames", "check", ACCOUNT, "--sites", str(standin.path)]
            wall, out, gnu_wall, rss = timed([*command, "--json"], env)
            report = json.loads(out)
            by_site = {r["source"]: r for r in report["results"]}
            wrong = [
                (s["name"], expected(s, ACCOUNT), by_site.get(s["name"], {}).get("status"))
                for s in standin.sites
                if by_site.get(s["name"], {}).get("status") != expected(s, ACCOUNT)
            ]
            found = sum(1 for r in report["results"] if r["status"] == "found")
            hits = sum(
                1
                for r in report["results"]
                if r["status"] == "found" or "control" in r["detail"] or "anyone" in r["detail"]
            )
            bound = args.sites * args.delay / args.concurrency
            bound_controls = (args.sites + hits) * args.delay / args.concurrency
            doctor_wall, doctor_out, doctor_gnu, _ = timed(
                [lowprofile, "usernames", "doctor", "--sites", str(standin.path), "--json"], env
            )
            states = {h["site"]: h["state"] for h in json.loads(doctor_out)}
            truly_broken = {
                s["name"] for s in standin.sites if s["name"].endswith(("-anyone", "-rotten"))
            }
            named = {n for n, state in states.items() if state == "broken"}
    print(
        f"stand-in: {args.sites} sites on {(args.sites + 1) // 2} loopback addresses, "
        f"{args.delay} s per answer, {args.concurrency} requests in flight"
    )
    print(f"check:  {wall:6.2f} s wall (/usr/bin/time: {gnu_wall}, max RSS {rss})")
    print(
        f"        lower bound {bound:.2f} s (sites x delay / in flight); "
        f"{bound_controls:.2f} s with the {hits} control requests"
    )
    print(f"        {wall / bound:.2f}x the lower bound; {found} accounts found")
    print(f"        answers that differ from the truth: {len(wrong)} {wrong[:5]}")
    print(
        f"doctor: {doctor_wall:6.2f} s wall (/usr/bin/time: {doctor_gnu}); named broken: "
        f"{len(named)}, truly broken: {len(truly_broken)}, same: {named == truly_broken}"
    )
    print("reference tool: none installed (Sherlock, Maigret, WhatsMyName's checker)")
    if wrong or named != truly_broken:
        sys.exit(1)


if __name__ == "__main__":
    main()
