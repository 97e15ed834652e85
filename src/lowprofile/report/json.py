"""The JSON report: the canonical, versioned form every other view can be rebuilt from."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lowprofile.errors import ConfigError
from lowprofile.files import write_private
from lowprofile.scan import ScanReport


def dumps(report: ScanReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write_report(report: ScanReport, destination: str) -> None:
    """Write to a file (mode 0600, atomically) or to stdout when ``destination`` is ``-``."""
    text = dumps(report)
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_private(Path(destination).expanduser(), text)


def read_report(path: Path) -> ScanReport:
    """Load a saved JSON report; a broken file is a one-line error naming it."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        return ScanReport.from_dict(data)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such report") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a lowprofile JSON report: {exc}") from exc
