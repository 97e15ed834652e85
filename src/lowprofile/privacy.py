"""Masking of the user's personal details wherever they would otherwise leak: logs, JSON summaries.

The profile is the most sensitive file the user has; a log or a shared report must not become a
second copy of it. Masks keep enough shape for the user to recognise their own data
(``J*** D**``, ``j***@example.com``) and nothing a stranger could use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def mask_word(word: str) -> str:
    """``Jane`` → ``J***``: the first letter, then one star for each other letter."""
    if len(word) <= 1:
        return word
    return word[0] + "*" * (len(word) - 1)


def mask_name(name: str) -> str:
    """Mask every word of a name or place: ``Jane Q Doe`` → ``J*** Q D**``."""
    return _WORD.sub(lambda m: mask_word(m.group(0)), name)


def mask_email(email: str) -> str:
    """``jane.doe@example.com`` → ``j***@example.com``: the domain stays, it is rarely personal."""
    local, sep, domain = email.partition("@")
    if not sep:
        return mask_name(email)
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    """Keep the last two digits only: ``512-555-0142`` → ``***-***-**42``."""
    digits = [c for c in phone if c.isdigit()]
    keep = len(digits) - 2
    out = []
    seen = 0
    for c in phone:
        if c.isdigit():
            out.append(c if seen >= keep else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def mask_username(username: str) -> str:
    return username[:1] + "***" if username else username


def username_forms(username: str) -> set[str]:
    """Every way a username shows up in a URL: as typed, escaped, and without the punctuation
    a site strips from it (WhatsMyName's ``strip_bad_char``: ``jane.doe`` is looked up as
    ``janedoe`` where a dot cannot go), each escaped too. Forms shorter than 2 are dropped."""
    username = username.strip()
    stripped = "".join(c for c in username if c not in "._- ")
    forms = set()
    for form in (username, stripped):
        forms |= {form, quote(form, safe=""), quote_plus(form)}
    return {f for f in forms if len(f) >= 2}


def _mask_value(value: str) -> str:
    if "@" in value:
        return mask_email(value)
    if sum(c.isdigit() for c in value) >= 5:
        return mask_phone(value)
    return mask_name(value)


class Redactor:
    """Replaces the user's words (names, places, emails, phones) in free text with masks.

    Built from the Subject at scan start and attached to the log handler, so that a URL such as
    ``/name/jane-doe/austin-tx`` logged by the network layer is masked too: each sensitive word is
    matched on its own, case-insensitively, as well as URL-encoded forms of whole values.
    """

    def __init__(
        self, words: Iterable[str] = (), values: Iterable[str] = (), usernames: Iterable[str] = ()
    ) -> None:
        self._replacements: dict[str, str] = {}
        for username in usernames:
            for form in username_forms(username):
                self._replacements[form.lower()] = mask_username(username)
        for value in values:
            value = value.strip()
            if len(value) < 2:
                continue
            masked = _mask_value(value)
            for form in {value, quote(value), quote_plus(value)}:
                self._replacements[form.lower()] = masked
        for word in words:
            word = word.strip()
            if len(word) >= 2:
                self._replacements.setdefault(word.lower(), mask_word(word))
        self._pattern = self._compile()

    def _compile(self) -> re.Pattern[str] | None:
        if not self._replacements:
            return None
        # Longest first, so a whole email is replaced before its local part.
        alternatives = sorted(self._replacements, key=len, reverse=True)
        body = "|".join(re.escape(a) for a in alternatives)
        return re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])", re.IGNORECASE)

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._replacements[m.group(0).lower()], text)


class RedactingFilter(logging.Filter):
    """A logging filter that runs every record through a Redactor before it is written."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = self.redactor(message)
        record.args = None
        return True


def install_redactor(redactor: Redactor) -> None:
    """Attach the redactor to every handler of the ``lowprofile`` logger and of the root logger."""
    for logger in (logging.getLogger(), logging.getLogger("lowprofile")):
        for handler in logger.handlers:
            for existing in list(handler.filters):
                if isinstance(existing, RedactingFilter):
                    handler.removeFilter(existing)
            handler.addFilter(RedactingFilter(redactor))
