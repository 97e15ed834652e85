"""Where the shipped data (broker files) lives, in a wheel and in a source checkout alike.

The wheel carries the top-level ``brokers/`` folder as ``lowprofile/_data/brokers`` (hatchling's
``force-include``). An editable install does not get that copy, so we fall back to the folder at
the top of the source tree, two levels above this package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_brokers_dir() -> Path:
    """The folder of broker files that came with this installation."""
    packaged = resources.files("lowprofile") / "_data" / "brokers"
    if packaged.is_dir():
        return Path(str(packaged))
    source_tree = Path(__file__).resolve().parents[2] / "brokers"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(
        "the shipped broker files are missing from this installation "
        f"(looked in {packaged} and {source_tree}); reinstall lowprofile"
    )
