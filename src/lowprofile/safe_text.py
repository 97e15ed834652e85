"""Text from outside (page text, photo metadata, file names) made safe to print or to put in JSON.

A terminal runs what it is sent: ESC and OSC sequences clear the screen or set the title, a
newline in a file name forges a whole "cleaned ..." line, and bidi overrides make ``gpj.exe``
read as ``exe.jpg``. File names on POSIX are bytes, and Python carries the ones that are not
UTF-8 as lone surrogates, which are not valid UTF-8 and break every JSON consumer. This module is
the one place that decides what is unsafe; the report renderers and the photos commands use it.
JSON from outside (a definition set, a site list, a saved report) is read through
``json_from_outside``, so that a document nested too deep is malformed input, not a crash.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import PurePath
from typing import Any

UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (a terminal runs ESC sequences; NUL truncates) and bidi overrides (which
make ``gpj.exe`` read as ``exe.jpg``): never shown as they are."""
LINE_BREAKS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def clean_text(value: object) -> str:
    """Text from a report, safe to show: controls and bidi overrides become U+FFFD."""
    return UNSAFE_CHARS.sub("\ufffd", str(value))


def json_text(value: str) -> str:
    """``value`` as valid UTF-8 text: bytes a file name held that are not UTF-8 become ``\\xNN``
    (the name stays recognisable, and no JSON reader chokes on a lone surrogate)."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(value).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


def json_safe(value: Any) -> Any:
    """A JSON-ready structure with every string (keys too) passed through ``json_text``."""
    if isinstance(value, str):
        return json_text(value)
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _escaped(char: str) -> str:
    if char in LINE_BREAKS:
        return LINE_BREAKS[char]
    if char.isprintable():
        return char
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def shown_name(value: str | PurePath) -> str:
    """A file name or path as one printable line: every character Python does not call printable
    (controls, line breaks, bidi overrides and other format characters, and so everything in
    UNSAFE_CHARS) written as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``) rather than
    replaced, so the person can still tell which file is meant; bytes that are not UTF-8 as
    ``\\xNN``."""
    text = json_text(str(value))
    if text.isprintable():  # the common case: nothing a terminal would act on
        return text
    return "".join(_escaped(char) for char in text)


def json_from_outside(text: str | bytes) -> Any:
    """``json.loads`` for a document someone else wrote: one nested deeper than the parser can
    follow (``[[[[…``) is a ``ValueError`` like any other malformed JSON, never a
    ``RecursionError`` that escapes every caller's error handling."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply to read") from exc
