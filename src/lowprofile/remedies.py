"""What lowprofile tells a person to run or how near is "home": shared by the checkers that attach
remedies to findings and by the plan that gathers them, so the two never disagree."""

from __future__ import annotations

import shlex
from pathlib import PurePath

NEAR_HOME_M = 300.0
"""A photo place this close to the profile's home address counts as the home itself: about a
city block, wider than phone GPS error indoors (tens of metres), narrower than a neighbourhood."""
MAX_COMMAND_PATHS = 20
"""Past a screenful of photos, the strip command names their folders instead."""


def strip_command(paths: list[str]) -> str:
    """One ``photos strip`` command for these photos, quoted for a POSIX shell."""
    targets = list(dict.fromkeys(paths))
    if len(targets) > MAX_COMMAND_PATHS:
        targets = list(dict.fromkeys(str(PurePath(p).parent) for p in targets))
    return "lowprofile photos strip " + " ".join(shlex.quote(t) for t in targets)
