"""Issue 29's look-alike table against the fence, on the rule itself (no packet is sent).

The fence does not ask whose a host is, only where it is; its look-alikes are names dressed as
this machine or as a private address (``evil.notlocalhost``: a missing dot in the
``.localhost`` rule would call it this machine, and the loopback opt-in would open it), and this
machine or a private address dressed as something else (case, trailing dot, brackets, zone, old
IPv4 forms). The broker look-alikes of the link rule are public names, as far as their spelling
goes: the fence leaves them to the link rule.
"""

from __future__ import annotations

import pytest

from helpers.lookalikes import LOOKALIKE_HOSTS, PRIVATE_SPELLINGS, PUBLIC_LOOKALIKES, THIS_MACHINE
from lowprofile.fetch.fence import Reach, check_public_target, place


@pytest.mark.parametrize(("host", "why"), PUBLIC_LOOKALIKES)
def test_a_name_dressed_as_this_machine_is_a_public_name(host: str, why: str) -> None:
    assert place(host).reach is Reach.PUBLIC, why
    assert place(f"https://{host}/x").reach is Reach.PUBLIC, why
    assert check_public_target(f"https://{host}/x") is None, why


@pytest.mark.parametrize(("host", "why"), [(h, w) for h, w in LOOKALIKE_HOSTS if h])
def test_a_broker_lookalike_is_judged_by_the_link_rule_not_the_fence(host: str, why: str) -> None:
    assert place(f"https://{host}/confirm").reach is Reach.PUBLIC, why


@pytest.mark.parametrize("host", THIS_MACHINE)
def test_this_machine_in_any_spelling_needs_the_opt_in(host: str) -> None:
    url = f"http://{host}:8080/x"
    assert place(url).reach is Reach.LOOPBACK
    assert "a loopback address" in (check_public_target(url) or "")
    assert check_public_target(url, allow_loopback=True) is None


@pytest.mark.parametrize("host", PRIVATE_SPELLINGS)
def test_a_private_host_in_any_spelling_stays_closed(host: str) -> None:
    url = f"http://{host}/latest/meta-data"
    assert place(url).reach is Reach.PRIVATE
    assert "lowprofile only contacts the public internet" in (check_public_target(url) or "")
    assert check_public_target(url, allow_loopback=True) is not None
