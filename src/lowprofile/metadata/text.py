"""File names as text that JSON, a terminal and a shell can all carry.

A POSIX file name is bytes. Python hands undecodable bytes over as lone surrogates
(``surrogateescape``), which no UTF-8 encoder accepts: one such name in a library made the JSON
output invalid, or crashed it. The raw name is kept for opening the file; these functions give
the forms that leave the process.
"""

from __future__ import annotations

from lowprofile.remedies import shell_quote

__all__ = ["safe_text", "shell_quote"]


def safe_text(value: str) -> str:
    """``value`` as valid UTF-8 text: each undecodable byte of a file name shown as ``\\xNN``."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that did not come from a byte
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
