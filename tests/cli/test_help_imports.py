"""Issue 24: ``lowprofile --help`` lists every command without loading what the commands do.

Listing the commands builds each group's typer command, so every ``cli/`` module is imported,
but nothing those modules need only when a command runs: the person's model, the settings, the
report model, the opt-out requests (together about a quarter of ``--help``'s time).
"""

from __future__ import annotations

import subprocess
import sys

NOT_LOADED = (
    "lowprofile.subject",
    "lowprofile.countries",
    "lowprofile.config",
    "lowprofile.results",
    "lowprofile.optout",
    "lowprofile.cli.asking",  # init's questions: only when init asks them
)

RUN = """
import atexit, runpy, sys
atexit.register(lambda: print(" ".join(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["lowprofile", "--help"]
runpy.run_module("lowprofile", run_name="__main__")
"""


def test_help_loads_no_command_work() -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUN], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "usernames" in done.stdout and "init" in done.stdout  # every command listed
    loaded = done.stderr.split()
    unwanted = [m for m in loaded if any(m == n or m.startswith(n + ".") for n in NOT_LOADED)]
    assert unwanted == []
