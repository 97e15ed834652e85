"""The monthly run's opt-out retries: what the ledger says is due, sent again unattended.

Only when the person turned it on (``optout_retry``): a retry sends the same values their own
``optout run`` sent, to the same broker, and nothing else. Nobody is at the screen, so a captcha
is ``needs you`` and a link is never asked for; the person is told what needs them. Without the
setting the run only tells them what is due.
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
from lowprofile.optout_steps.mailbox import has_mailbox
from lowprofile.optout_steps.runner import FormField, RunState
from lowprofile.optout_steps.session import choose_due, play
from lowprofile.optout_steps.values import Asked
from lowprofile.schedule.notify import notify
from lowprofile.store import Store
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
    """Retry what is due (or only say it is, without ``optout_retry``); a line for the run's
    summary, empty when nothing was due."""
    with Store() as store:
        jobs, _ = choose_due(
            load_brokers().brokers, store.optouts(), datetime.now(UTC), has_mailbox(settings)
        )
        if not jobs:
            return ""
        names = ", ".join(sorted({j.broker.id for j in jobs}))
        if not settings.optout_retry:
            notify(
                f"lowprofile: {len(jobs)} opt-out(s) due again",
                f"{names}: run `lowprofile optout run --due` (or set optout_retry = true)",
                settings,
            )
            return f"{len(jobs)} opt-out(s) due ({names}), not retried"
        try:
            outcomes = asyncio.run(play(jobs, subject, settings, Unattended(), store))
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
    sent = sum(
        o.state is not RunState.FAILED and o.state is not RunState.NEEDS_YOU for o in outcomes
    )
    return f"{len(outcomes)} opt-out(s) retried, {sent} went through"
