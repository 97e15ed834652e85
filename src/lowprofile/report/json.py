"""The JSON report: the canonical, versioned form every other view can be rebuilt from."""

from __future__ import annotations

import sys
from pathlib import Path

from lowprofile.files import write_private
from lowprofile.results import ScanReport, json_text


def dumps(report: ScanReport) -> str:
    return json_text(report.to_dict(), indent=2) + "\n"


def write_report(report: ScanReport, destination: str) -> None:
    """Write to a file (mode 0600, atomically) or to stdout when ``destination`` is ``-``."""
    write_json_text(dumps(report), destination)


def write_json_text(text: str, destination: str) -> None:
    """``text`` to a file (mode 0600, atomically) or to stdout when ``destination`` is ``-``:
    every JSON report lowprofile writes goes out this one way."""
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_private(Path(destination).expanduser(), text, make_folders=False)
