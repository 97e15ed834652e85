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
    text = dumps(report)
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_private(Path(destination).expanduser(), text, make_folders=False)
