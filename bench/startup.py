"""How much `lowprofile --help` costs over starting the bare interpreter (median of 10 runs each).

Run: python bench/startup.py
Target: under 0.3 s more than `python -c pass`, so help and shell completion feel instant.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 10


def median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    exe = Path(sys.executable).with_name("lowprofile")
    help_cmd = (
        [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "lowprofile", "--help"]
    )
    bare = median_seconds([sys.executable, "-c", "pass"])
    help_time = median_seconds(help_cmd)
    print(f"{'command':<32}{'median of ' + str(RUNS):>14}")
    print(f"{'python -c pass':<32}{bare * 1000:>11.0f} ms")
    print(f"{'lowprofile --help':<32}{help_time * 1000:>11.0f} ms")
    extra = help_time - bare
    verdict = "ok" if extra < 0.3 else "OVER the 0.3 s budget"
    print(f"{'difference':<32}{extra * 1000:>11.0f} ms  ({verdict})")


if __name__ == "__main__":
    main()
