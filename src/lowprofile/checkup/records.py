"""What the person did: the day each platform's settings were last checked, per person.

A small JSON file per person (``<data>/checkup/<person>.json``, mode 0600): a handful of dates
needs no database, and one file per person keeps the rule that every record belongs to one
person (nobody reads another's).
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

from lowprofile.checkup.due import with_checkup
from lowprofile.config import data_dir
from lowprofile.errors import ConfigError
from lowprofile.files import write_private
from lowprofile.results import Action

log = logging.getLogger(__name__)


def records_path(person: str) -> Path:
    """Where ``person``'s checkup dates are kept."""
    return data_dir() / "checkup" / f"{person or 'nobody'}.json"


def done_dates(person: str) -> dict[str, date]:
    """Platform id -> the day its settings were last checked; empty when nothing is recorded."""
    path = records_path(person)
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text("utf-8"))
        return {key: date.fromisoformat(value) for key, value in raw.get("done", {}).items()}
    except (ValueError, AttributeError, TypeError) as exc:
        raise ConfigError(f"{path}: not a settings checkup file ({exc})") from exc


def record_done(person: str, platform: str, when: date) -> Path:
    """Record that ``person`` checked ``platform``'s settings on ``when`` (a later record of the
    same platform replaces the earlier one: only the last check decides when the next is due)."""
    done = done_dates(person)
    done[platform] = when
    payload = {"done": {key: value.isoformat() for key, value in sorted(done.items())}}
    return write_private(records_path(person), json.dumps(payload, indent=2) + "\n")


def plan_for(plan: list[Action], person: str, today: date | None = None) -> list[Action]:
    """The plan's settings checkup narrowed to what ``person``'s records say is due ``today``
    (the pipeline's one call). Records that cannot be read cost the narrowing, never the scan:
    every platform is then shown as due."""
    try:
        done = done_dates(person)
    except (ConfigError, OSError) as exc:
        log.warning("settings checkup records not read: %s", exc)
        done = {}
    return with_checkup(plan, done, today or date.today())
