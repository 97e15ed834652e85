"""The monthly run's opt-out retries: what the ledger says is due, sent again unattended.

Only requests the person's own ``optout run`` started, so a retry sends the values they
approved for that broker, to that broker, and nothing else; requests recorded by hand are named
in a notification instead, as is everything when ``optout_retry = false``. Nobody is at the
screen, so a captcha is ``needs you`` and a link is never asked for; the person is told what
needs them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from lowprofile.brokers.loader import load_brokers
from lowprofile.brokers.schema import Broker
from lowprofile.config import Settings
from lowprofile.errors import LowprofileError
from lowprofile.optout.records import RequestLedger
from lowprofile.optout_steps.mailbox import has_mailbox
from lowprofile.optout_steps.runner import FormField, RunState
from lowprofile.optout_steps.session import FINE, choose_due, play
from lowprofile.optout_steps.values import Asked
from lowprofile.schedule.notify import notify
from lowprofile.subject import Subject

log = logging.getLogger(__name__)


class Unattended:
    """Stands in for the person in a scheduled run: approves what their earlier run sent (the
    setting says so), logs the form, never waits for a captcha or a pasted link."""

    present = False

    def approve(self, broker: Broker, asks: list[Asked]) -> bool:
        log.info("%s: retrying with %s", broker.id, ", ".join(a.label for a in asks) or "nothing")
        return True

    def show_form(self, broker: Broker, fields: list[FormField]) -> None:
        log.info("%s: form fields %s", broker.id, ", ".join(f.name for f in fields))

    async def solve_captcha(self, broker: Broker, page: Any, *, marked: bool) -> None:
        raise AssertionError("an unattended run never waits for a captcha")  # present is False

    async def confirmation_link(self, broker: Broker) -> str:
        return ""


def retry_due(subject: Subject, settings: Settings) -> str:
    """Retry what is due; a line for the run's summary, empty when nothing was due.

    Unattended, only requests the person's own ``optout run`` started are sent again (they
    approved what those steps send); the rest, or all with ``optout_retry = false``, are only
    named in a notification, each with what to run."""
    with RequestLedger(subject.person_id) as ledger:
        jobs, skipped = choose_due(
            load_brokers().brokers, ledger.requests(), datetime.now(UTC), has_mailbox(settings)
        )
        retried = [j for j in jobs if j.approved] if settings.optout_retry else []
        yours = [
            f"{j.broker.id}: run `lowprofile optout run --due`" for j in jobs if j not in retried
        ]
        yours = list(dict.fromkeys([*yours, *(f"{s.broker}: {s.reason}" for s in skipped)]))
        if yours:
            notify(f"lowprofile: {len(yours)} opt-out(s) due again", "\n".join(yours), settings)
        if not retried:
            return f"{len(yours)} opt-out(s) due, left for you" if yours else ""
        try:
            outcomes = asyncio.run(play(retried, subject, settings, Unattended(), ledger))
        except LowprofileError as exc:
            log.error("opt-out retries could not run: %s", exc)
            return f"opt-out retries could not run: {exc}"
    needs = sorted({o.broker for o in outcomes if o.state is RunState.NEEDS_YOU})
    failed = sorted({o.broker for o in outcomes if o.state is RunState.FAILED})
    if needs or failed:
        parts = [f"{', '.join(needs)} need(s) you (a captcha)"] if needs else []
        parts += [f"{', '.join(failed)} failed"] if failed else []
        notify(
            "lowprofile: opt-out retries need a look",
            "; ".join(parts) + ": see `lowprofile optout status`",
            settings,
        )
    sent = sum(o.state in FINE for o in outcomes)
    line = f"{len(outcomes)} opt-out(s) retried, {sent} went through"
    return line + (f"; {len(yours)} left for you" if yours else "")
