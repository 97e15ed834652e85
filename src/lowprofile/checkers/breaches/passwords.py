"""Pwned Passwords by k-anonymity: only five hex digits of the password's SHA-1 leave the machine.

The service answers every suffix it knows for that prefix (plus random padding with count 0, so
the answer's size gives nothing away); the match happens here. The password is never stored,
logged or sent.
"""

from __future__ import annotations

import hashlib

from lowprofile.net import Http


def sha1_prefix_suffix(password: str) -> tuple[str, str]:
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return digest[:5], digest[5:]


def count_in_range(body: str, suffix: str) -> int:
    """The count for ``suffix`` in a range answer; padding lines (count 0) are ignored."""
    for line in body.splitlines():
        candidate, _, count = line.strip().partition(":")
        if candidate.upper() == suffix and count.strip().isdigit():
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
