"""The person at the sitting: the terminal's lines and keys, and their part in an opt-out run.

``Terminal`` is the seam: the CLI reads keys from stdin and writes to stderr; a test feeds
lines. ``ReviewPerson`` is the opt-out runner's ``Person`` for a sitting: it shows what the
steps send and asks once, and waits at a captcha for the person to solve it in the window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lowprofile.brokers.schema import Broker
    from lowprofile.optout_steps.runner import FormField
    from lowprofile.optout_steps.values import Asked
    from lowprofile.review.queue import Item

Watch = Callable[["Item", Any], Awaitable[None]]
"""Hands on the window, given each page the person works on (a test clicks through it)."""


class Interrupted(Exception):
    """The person left (end of input): the sitting stops, ``--resume`` goes on."""


class Terminal(Protocol):
    """One line out, one line in (None at the end of input)."""

    def say(self, line: str) -> None: ...

    async def ask(self, prompt: str) -> str | None: ...


class ReviewPerson:
    """The runner's ``Person`` during a sitting: present, asked once before anything is sent."""

    present = True

    def __init__(
        self,
        terminal: Terminal,
        item: Item,
        watch: Watch | None,
        timed: Callable[[Awaitable[str | None]], Awaitable[str]],
    ) -> None:
        self.terminal = terminal
        self.item = item
        self.watch = watch
        self.timed = timed
        self._approved: bool | None = None

    def approve(self, broker: Broker, asks: list[Asked]) -> bool:
        """What the steps will type is shown, and not asked again: the person queued this
        opt-out by starting the sitting, and a form with a captcha goes only once they solve
        it in the window, their own act of sending."""
        shown = ", ".join(f"{ask.label}: {ask.value}" for ask in asks)
        self.terminal.say(f"  {broker.name} will receive {shown}")
        return True

    def show_form(self, broker: Broker, fields: list[FormField]) -> None:
        filled = ", ".join(f.name for f in fields if f.filled_with)
        self.terminal.say(f"  the form goes with {filled or 'nothing of yours'} filled in")

    async def solve_captcha(self, broker: Broker, page: Any, *, marked: bool) -> None:
        """The person solves it in the window; a marked captcha is noticed by itself."""
        if marked:
            self.terminal.say("  solve the captcha in the window; I'll send the form when it is")
            if self.watch is not None:
                await self.watch(self.item, page)
            return
        await self.timed(self.terminal.ask("  solve the captcha in the window, then Enter > "))

    async def confirmation_link(self, broker: Broker) -> str:
        prompt = f"  paste the confirmation link from {broker.name}'s email (Enter: later) > "
        return await self.timed(self.terminal.ask(prompt))
