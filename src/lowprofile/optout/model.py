"""One request to a broker, whatever the channel: the request, its one state enum, its events.

A request reaches a broker by one of three channels: opt-out steps played in the browser
(``steps``), a form the person sent and recorded by hand (``hand``), or a deletion email to a
registered data broker (``registry``). All three are the same thing to the person ("did I ask
them, and did they remove me?"), so they share one model and one vocabulary of states, with
machine values; the renderers own the words. That enum, ``RequestState``, is defined beside the
report's other vocabularies in ``results.py`` (a report carries each request's state) and is
the request domain's through this module: there is one definition.

Every record belongs to a person (``person``: ``Subject.person_id``), so two people on one
machine never see each other's requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from lowprofile.results import RequestState

__all__ = ["Channel", "HandCheck", "Request", "RequestEvent", "RequestState"]


class Channel(StrEnum):
    """How a request reached the broker."""

    STEPS = "steps"
    HAND = "hand"
    REGISTRY = "registry"


@dataclass(frozen=True)
class RequestEvent:
    """One step of a request: the state it entered, when, why, and the evidence."""

    state: RequestState
    at: datetime
    detail: str = ""
    evidence: str = ""
    scan_id: int | None = None
    """The scan that showed it (a removal, a reappearance), once that scan is saved."""


@dataclass(frozen=True)
class Request:
    """One request: to a broker (or, by email, to the brokers behind one registered address),
    about one listing ('' for the whole site), with its events, oldest first.

    The registry fields (``ref``, ``recipients``, ``law``, ``due``, ``message_id``, ``domains``)
    are empty for the other channels."""

    id: int
    person: str
    channel: Channel
    broker: str
    submitted: date
    recheck_days: int = 0
    note: str = ""
    listing: str = ""
    events: tuple[RequestEvent, ...] = ()
    ref: str = ""
    """The registry request's reference: random, stored, in the mail's subject."""
    recipients: tuple[str, ...] = ()
    brokers: tuple[str, ...] = ()
    """Every registered broker one email reaches (the registry lists several at one address)."""
    names: tuple[str, ...] = ()
    law: str = ""
    due: date | None = None
    message_id: str = ""
    domains: tuple[str, ...] = ()
    """Domains a reply may come from: the recipients' and the brokers' websites'."""

    @property
    def state(self) -> RequestState:
        """The state of the newest event (a request is never stored without one)."""
        return self.events[-1].state

    @property
    def updated(self) -> datetime:
        return self.events[-1].at


@dataclass(frozen=True)
class HandCheck:
    """What the person saw on a site they searched by hand."""

    broker: str
    listed: bool
    checked: date
    url: str = ""
