"""What lowprofile tells a person to run or how near is "home": shared by the checkers that attach
remedies to findings and by the plan that gathers them, so the two never disagree."""

from __future__ import annotations

import os
import shlex
from pathlib import PurePath

NEAR_HOME_M = 300.0
"""A photo place this close to the profile's home address counts as the home itself: about a
city block, wider than phone GPS error indoors (tens of metres), narrower than a neighbourhood."""
MAX_COMMAND_PATHS = 20
"""Past a screenful of photos, the strip command names their folders instead."""


STRIP_FLAGS = ("--in-place",)
"""How the strip command is told to run. In place is the one way the next scan sees a clean
photo: a cleaned copy beside the original (the default) leaves the located original in the
scanned folder, and so the score unchanged. In place keeps each photo's name, mode and times;
the original with its location is not kept (``STRIP_ORIGINALS`` says so to the person)."""
STRIP_ORIGINALS = (
    "The photos are replaced by their cleaned versions (same names, dates and permissions); "
    "the originals with their location are not kept. To keep them, first copy them to a "
    "folder lowprofile does not scan (an encrypted drive), or instead run the command with "
    "--out CLEAN_FOLDER in place of --in-place and move the originals out of the scanned folders."
)


def shell_quote(path: str) -> str:
    """``path`` quoted for a POSIX shell, byte for byte. A name with undecodable bytes (lone
    surrogates, which are not printable) or control characters (a newline, an escape sequence)
    is written with ANSI-C quoting (``$'…\\xff…'``, understood by bash, zsh and ksh), so the
    command still names the same file and cannot forge terminal output."""
    if path.isprintable():
        return shlex.quote(path)
    escaped = "".join(
        chr(byte) if 0x20 <= byte < 0x7F and byte not in b"'\\" else f"\\x{byte:02x}"
        for byte in os.fsencode(path)
    )
    return f"$'{escaped}'"


def strip_command(paths: list[str]) -> str:
    """The ``photos strip`` command that cleans these photos where the next scan looks, quoted
    for a POSIX shell; past ``MAX_COMMAND_PATHS`` photos it names their folders."""
    targets = list(dict.fromkeys(paths))
    if len(targets) > MAX_COMMAND_PATHS:
        targets = list(dict.fromkeys(str(PurePath(p).parent) for p in targets))
    words = ["lowprofile", "photos", "strip", *STRIP_FLAGS]
    return " ".join(words + [shell_quote(t) for t in targets])
