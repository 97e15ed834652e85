"""Which sites can search a person at all: US-only sites and people outside the US, one name.

Most people-search sites index US public records only. For a person who lives, and has lived,
outside the US they can find nothing, and a search would send the person's name to a site that
cannot hold them; where the person lives or lived in the US, such a site searches those US places
only. A site whose search needs a last name cannot search a person known by one name. Both are
said in the report, site by site, rather than searched in vain or dropped in silence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from lowprofile.brokers.schema import Broker
from lowprofile.brokers.search import fill
from lowprofile.brokers.template import MissingValue, Query
from lowprofile.results import CheckResult, Status
from lowprofile.subject import Address, Name, Subject


def us_only(broker: Broker) -> bool:
    """True for a site whose file says it covers the US and nowhere else."""
    return set(broker.jurisdictions) == {"US"}


def searched_subject(broker: Broker, subject: Subject) -> Subject | None:
    """The person as this site searches them: a US-only site searches the US addresses only,
    and not at all (None) when every address given is outside the US. A person with no address
    is searched everywhere: nothing says they are not in the US."""
    if not us_only(broker) or not subject.addresses:
        return subject
    in_us = tuple(a for a in subject.addresses if a.in_us)
    if not in_us:
        return None
    return subject if len(in_us) == len(subject.addresses) else replace(subject, addresses=in_us)


def not_searched_abroad(brokers: Iterable[Broker], subject: Subject) -> list[Broker]:
    """The US-only sites a person with no US address is not searched on."""
    return [b for b in brokers if searched_subject(b, subject) is None]


US_ONLY = "a US-only site: not searched, since none of your addresses is in the US"


def abroad_results(checker: str, left_out: list[Broker]) -> list[CheckResult]:
    """What a scan says of the US-only sites it did not search: one line for the count (shown
    once, with the checkers not run), then each site by name (``--verbose``, JSON, HTML)."""
    if not left_out:
        return []
    summary = CheckResult(
        checker,
        "*",
        Status.SKIPPED,
        detail=f"{len(left_out)} US-only sites not searched, since none of your addresses "
        "(current or former) is in the US; --verbose names them",
    )
    return [summary] + [
        CheckResult(
            checker,
            b.name,
            Status.SKIPPED,
            detail=US_ONLY,
            url=f"https://{b.domain}/",
            source=b.id,
            verified=b.verified,
        )
        for b in left_out
    ]


_ONE_NAME = Query(Name("Alex", ""), Address(city="Springfield", state="IL", postcode="62701"), 40)


def needs_last_name(broker: Broker) -> bool:
    """True when the site's search cannot be made without a last name."""
    try:
        fill(broker, _ONE_NAME)
    except MissingValue as exc:
        return exc.variable == "last"
    return False
