"""When each platform's settings are due again, and the plan's task for what is due.

Platforms change their settings and reset defaults, so one check does not hold for ever: a
check is due again ``DUE_AFTER_DAYS`` after it was done (six months), and a platform never
checked is due now. The plan orders the one task this makes by its worth per minute, like
every other task: each due platform is worth ``POINTS_PER_PLATFORM`` and takes
``MINUTES_PER_PLATFORM``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from lowprofile.checkup.entries import Platform, platforms
from lowprofile.results import Action

DUE_AFTER_DAYS = 182
"""Six months between two checks of one platform's settings."""
MINUTES_PER_PLATFORM = 4
POINTS_PER_PLATFORM = 0.8
"""Score points one platform's settings are worth: the five of the guide with LinkedIn and the
phone come to about the 4 points the plan gave the whole social-settings task before."""
ACTION_ID = "social-settings"


@dataclass(frozen=True)
class Standing:
    """One platform's checkup as it stands on a given day."""

    platform: Platform
    last_done: date | None
    due_on: date

    def due(self, today: date) -> bool:
        return self.due_on <= today


def standings(done: Mapping[str, date], today: date) -> list[Standing]:
    """Every platform, with when it was last checked and when it is due (never checked: today)."""
    rows = []
    for platform in platforms():
        last = done.get(platform.id)
        due_on = last + timedelta(days=DUE_AFTER_DAYS) if last else today
        rows.append(Standing(platform, last, due_on))
    return rows


def checkup_action(done: Mapping[str, date], today: date) -> Action | None:
    """The plan's task for the platforms due on ``today``; None when none is."""
    rows = standings(done, today)
    due = [row for row in rows if row.due(today)]
    if not due:
        return None
    steps = []
    for row in due:
        when = f"last checked {row.last_done.isoformat()}" if row.last_done else "never checked"
        steps.append(f"{row.platform.name} ({when}): " + " ".join(row.platform.settings))
    waiting = [row for row in rows if not row.due(today)]
    if waiting:
        steps.append(
            "Not due yet: "
            + ", ".join(f"{r.platform.name} on {r.due_on.isoformat()}" for r in waiting)
            + "."
        )
    steps.append(
        "`lowprofile settings` lists each setting; record each platform you have done with "
        "`lowprofile settings done PLATFORM` (due again after six months)."
    )
    names = ", ".join(row.platform.id for row in due)
    return Action(
        id=ACTION_ID,
        title=f"Settings checkup due: {names}",
        kind="settings",
        steps=steps,
        links=[
            {"label": f"{row.platform.name}: {link.cited}", "url": link.url}
            for row in due
            for link in row.platform.links
        ],
        minutes=MINUTES_PER_PLATFORM * len(due),
        covers=[row.platform.id for row in due],
        command="lowprofile settings",
        risk_points=round(POINTS_PER_PLATFORM * len(due), 2),
    )


def with_checkup(plan: list[Action], done: Mapping[str, date], today: date) -> list[Action]:
    """``plan`` with its settings checkup as the person's records leave it on ``today`` (only
    the platforms due), ordered again by worth per minute; the emergency steps stay last. A
    plan without the checkup (a scan of usernames or photos only) is returned as it is."""
    if not any(action.id == ACTION_ID for action in plan):
        return plan
    rest = [a for a in plan if a.id != ACTION_ID and a.kind != "emergency"]
    last = [a for a in plan if a.kind == "emergency"]
    task = checkup_action(done, today)
    ranked = sorted(
        [*rest, *([task] if task else [])], key=lambda a: (-a.per_minute, a.minutes, a.id)
    )
    return [*ranked, *last]
