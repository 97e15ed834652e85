"""Paths the person typed, checked before a command does any work.

A scan that runs for minutes (and sends hundreds of requests) before it finds that ``--json``
names a folder that does not exist has wasted the person's time and the sites' patience; a
photo folder with a typo must not read as "no photo reveals anything". Each check raises an
``InputError`` (one line, exit 2) naming the flag and the path as typed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from lowprofile.errors import InputError
from lowprofile.safe_text import shown_name


def require_paths(paths: Iterable[Path], flag: str = "") -> None:
    """Every path exists (file or folder); the missing ones are named together, so one try
    shows every typo. ``flag`` names the option they came from (none for arguments)."""
    missing = [shown_name(path) for path in paths if not path.expanduser().exists()]
    if missing:
        where = f"{flag}: " if flag else ""
        raise InputError(f"{where}no such file or folder: {', '.join(missing)}")


def writable_file(path: Path, flag: str) -> None:
    """``path`` can be written as the command will write it: a file (not a folder) in a folder
    that exists and that we may write in, or a device we may write to (``/dev/stdout``).
    Nothing is created: a missing folder in a typed path is likelier a typo than a wish."""
    target = path.expanduser()
    shown = shown_name(path)
    if target.is_dir():
        raise InputError(f"{flag} {shown}: is a folder, not a file")
    if target.exists() and not target.is_file():
        if os.access(target, os.W_OK):
            return  # a device or a pipe: written through, never renamed over
        raise InputError(f"{flag} {shown}: cannot write to it")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{flag} {shown}: no such folder {shown_name(folder)}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {shown}: cannot write in {shown_name(folder)}")


def writable_folder(path: Path, flag: str) -> None:
    """``path`` is a folder we may write in, or one we may create (its nearest existing
    ancestor is a folder we may write in)."""
    target = path.expanduser()
    shown = shown_name(path)
    existing = next(p for p in (target, *target.parents) if p.exists())
    if not existing.is_dir():
        raise InputError(f"{flag} {shown}: {shown_name(existing)} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {shown}: cannot write in {shown_name(existing)}")


def require_brokers(ids: Iterable[str], known: Iterable[str], flag: str = "") -> None:
    """Every id names a known broker: the unknown ones are named together, with where to look
    the right ones up."""
    known = set(known)
    unknown = [shown_name(name) for name in dict.fromkeys(ids) if name not in known]
    if unknown:
        where = f"{flag}: " if flag else ""
        raise InputError(
            f"{where}unknown broker(s): {', '.join(unknown)} (see `lowprofile brokers list`)"
        )
