"""The registry's tasks for the action plan: the brokers not yet asked, and the web forms.

Sending the requests is, for most people, the task that removes the most future risk per minute:
one setup and a paced run reaches hundreds of brokers. It is worth what DROP is worth (every
registered broker asked), in proportion to the brokers still not asked. These are plan
``Action`` objects so the plan and the report can take them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lowprofile.plan import CALIFORNIA_DROP, DROP_POINTS
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.deletion import group_by_recipient
from lowprofile.results import Action

if TYPE_CHECKING:
    from lowprofile.optout.records import RequestLedger

SETUP_MINUTES = 15
"""Mail settings, the preview and the confirmation; the paced sending then runs on its own."""
DROP_FIRST = (
    "California residents: file one DROP request first; it reaches every registered broker for "
    "free. Then send these only if you want a written answer from each broker, or live elsewhere."
)
WEB_FORM_MINUTES = 5
"""One broker's web form, by hand."""


def not_yet_asked(entries: Iterable[RegistryEntry], asked: set[str]) -> list[str]:
    """Recipient addresses with no request that counts as asked."""
    return [r for r in group_by_recipient(entries) if r not in asked]


def requests_action(
    entries: list[RegistryEntry], asked: set[str], california: bool | None
) -> Action | None:
    """ "Ask N registered brokers to delete your data", or None when every one has been asked."""
    recipients = group_by_recipient(entries)
    open_ = [r for r in recipients if r not in asked]
    if not open_:
        return None
    steps = [
        "lowprofile optout requests shows every message before anything is sent; "
        "--send sends them from your own mail account, paced; --drafts DIR writes .eml files.",
        "Each request holds your name, email and state only; the broker has 45 days to answer "
        "under the CCPA (one month under GDPR). lowprofile registry status shows what is overdue.",
    ]
    if california is not False:
        steps.insert(0, DROP_FIRST)
    return Action(
        id="registry-requests",
        title=f"Ask {len(open_)} registered data brokers to delete your data",
        kind="optout",
        steps=steps,
        links=[{"label": "California DROP", "url": CALIFORNIA_DROP}] if california else [],
        method="email",
        requires=["your mail account's SMTP settings (or send the drafts yourself)"],
        minutes=SETUP_MINUTES,
        covers=open_,
        command="lowprofile optout requests --send",
        risk_points=DROP_POINTS * len(open_) / max(1, len(recipients)),
    )


def web_form_action(entries: Iterable[RegistryEntry]) -> Action | None:
    """The registered brokers that take requests only through their own web form."""
    forms = [e for e in entries if not e.emails and e.optout_url]
    if not forms:
        return None
    return Action(
        id="registry-web-forms",
        title=f"Fill in the deletion forms of {len(forms)} registered brokers with no email",
        kind="optout",
        steps=["These brokers give no address to write to: use each one's own form."],
        links=[{"label": e.label, "url": e.optout_url} for e in forms],
        method="web form",
        minutes=WEB_FORM_MINUTES * len(forms),
        covers=[e.id for e in forms],
    )


MAX_COVERS_SHOWN = 25
"""Recipients named in a plan task's ``covers``; the rest are in ``registry status``."""


def registry_actions(california: bool | None, records: RequestLedger | None) -> list[Action]:
    """The registry's tasks for the person's plan, from their open ledger (None: there is none
    yet, so nobody was asked; a scan creates none)."""
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.registry.catalogue import load_catalogue
    from lowprofile.registry.ledger import Ledger
    from lowprofile.registry.prepare import route

    # As the run will ask them, without the registrations it turns into web forms: one whose
    # broker file says "web form" (that form is the site's own opt-out, which the plan gives
    # wherever a scan found a listing) or whose only address names a person (the preview says
    # so, and --keep-personal-addresses writes to it).
    routed = route(load_catalogue().entries, load_brokers().brokers.values())
    set_aside = {d.entry.id for d in routed.disagreements}
    set_aside |= {e.id for e, _ in routed.personal_left_out}
    entries = [e for e in routed.entries if e.emails or e.id not in set_aside]
    asked = Ledger(records.person, records).asked() if records is not None else set()
    actions = [requests_action(entries, asked, california), web_form_action(entries)]
    kept = [a for a in actions if a is not None]
    for action in kept:
        if len(action.covers) > MAX_COVERS_SHOWN:
            more = len(action.covers) - MAX_COVERS_SHOWN
            action.covers = [*action.covers[:MAX_COVERS_SHOWN], f"+{more} more"]
    return kept
