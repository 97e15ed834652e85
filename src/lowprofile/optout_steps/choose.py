"""Which result row is the person: the matcher decides, never the row's place in the list.

A form that lists people by name (InfoTracer, Neighbor.report, PrivateReports, BeenVerified) puts
a namesake first as often as not. Each row is read the way a scan reads a result card (the
step's ``fields``, as ``[parse.fields]``) and scored by ``lowprofile.brokers.matcher`` against the
profile; only a row the matcher calls ``found`` is clicked, and only when no other row scores as
high. Anything less is the person's to choose (``needs you``), with the best row and its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lowprofile.brokers.listing import MatchResult
from lowprofile.brokers.matcher import FOUND, match_listing
from lowprofile.brokers.page import read_card
from lowprofile.brokers.schema import Broker, OptOutStep, ParseSpec
from lowprofile.brokers.select import parse_html, select
from lowprofile.subject import Subject


@dataclass(frozen=True)
class Choice:
    """The row to click (0-based, in page order), or None with why not."""

    row: int | None
    why: str
    rows: int
    """How many rows the page showed: the browser must count as many before clicking."""


def _words(name: str, match: MatchResult) -> str:
    return f"{name or 'a row without a name'} ({match.confidence:.2f}: {'; '.join(match.reasons)})"


def choose_row(
    broker: Broker, step: OptOutStep, subject: Subject, html: str, base_url: str
) -> Choice:
    """The one row of ``html`` (``step.selector``) that the matcher says is ``subject``."""
    reader = replace(broker, parse=ParseSpec(fields=dict(step.fields)))
    rows = [r for r in select(parse_html(html), step.selector) if not isinstance(r, str)]
    if not rows:
        return Choice(None, "the page shows no result rows", 0)
    scored = []
    for row in rows:
        listing = read_card(row, reader, base_url)
        scored.append((match_listing(listing, subject), listing.name))
    best = max(m.confidence for m, _ in scored)
    top = [i for i, (m, _) in enumerate(scored) if m.confidence == best]
    match, name = scored[top[0]]
    if best < FOUND:
        why = f"no row matches you well enough; the best: {_words(name, match)}"
        return Choice(None, why, len(rows))
    if len(top) > 1:
        names = ", ".join(scored[i][1] for i in top)
        return Choice(None, f"{len(top)} rows match you equally ({names})", len(rows))
    return Choice(top[0], f"row {top[0] + 1}: {_words(name, match)}", len(rows))
