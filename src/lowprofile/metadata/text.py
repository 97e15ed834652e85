"""File names as text that JSON, a terminal and a shell can all carry.

A POSIX file name is bytes. Python hands undecodable bytes over as lone surrogates
(``surrogateescape``), which no UTF-8 encoder accepts: one such name in a library made the JSON
output invalid, or crashed it. The raw name is kept for opening the file; these functions give
the forms that leave the process.
"""

from __future__ import annotations

import os
import shlex


def safe_text(value: str) -> str:
    """``value`` as valid UTF-8 text: each undecodable byte of a file name shown as ``\\xNN``."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that did not come from a byte
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def shell_quote(path: str) -> str:
    """``path`` quoted for a POSIX shell, byte for byte. A name with undecodable bytes or
    control characters (a newline, an escape sequence) is written with ANSI-C quoting
    (``$'…\\xff…'``, understood by bash, zsh and ksh), so the command still names the same
    file and cannot forge terminal output."""
    if safe_text(path) == path and path.isprintable():
        return shlex.quote(path)
    escaped = "".join(
        chr(byte) if 0x20 <= byte < 0x7F and byte not in b"'\\" else f"\\x{byte:02x}"
        for byte in os.fsencode(path)
    )
    return f"$'{escaped}'"
