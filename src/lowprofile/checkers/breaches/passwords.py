"""Pwned Passwords by k-anonymity: only five hex digits of the password's SHA-1 leave the machine.

The service answers every suffix it knows for that prefix (plus random padding with count 0, so
the answer's size gives nothing away); the match happens here. The password is never stored,
logged or sent.
"""

from __future__ import annotations

import hashlib
import re

from lowprofile.checkers.breaches.common import BreachResponseError
from lowprofile.fetch.http import Http

MAX_COUNT_DIGITS = 12
"""A count is at most this many ASCII digits: the most-breached password is seen a few million
times; a longer number (or a Unicode digit such as "²") is a bad answer, not a count."""
_COUNT = re.compile(rf"[0-9]{{1,{MAX_COUNT_DIGITS}}}")


def sha1_prefix_suffix(password: str) -> tuple[str, str]:
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return digest[:5], digest[5:]


def count_in_range(body: str, suffix: str) -> int:
    """The count for ``suffix`` in a range answer (0: not in it; padding lines count 0).

    Our suffix's line must carry a plain count; anything else there raises
    ``BreachResponseError``, because "not seen" would then be a guess.
    """
    for line in body.splitlines():
        candidate, _, count = line.strip().partition(":")
        if candidate.upper() != suffix:
            continue
        count = count.strip()
        if not _COUNT.fullmatch(count):
            shown = count if len(count) <= 16 else count[:16] + "…"
            raise BreachResponseError(
                f"Pwned Passwords sent a count that is not a count: {shown!r}"
            )
        return int(count)
    return 0


async def times_pwned(password: str, http: Http, base_url: str) -> int:
    """How often this password appears in known breaches (0: not seen)."""
    prefix, suffix = sha1_prefix_suffix(password)
    response = await http.get(
        f"{base_url.rstrip('/')}/range/{prefix}", headers={"Add-Padding": "true"}
    )
    if response.status_code != 200:
        from lowprofile.errors import RequestFailed

        raise RequestFailed(f"Pwned Passwords answered HTTP {response.status_code}")
    return count_in_range(response.text, suffix)
