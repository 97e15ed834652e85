"""The shipped broker files for tests that loop over them: never an empty set, so such a loop
cannot pass by checking nothing."""

from __future__ import annotations

from lowprofile.brokers.loader import load_brokers
from lowprofile.brokers.schema import Broker

MIN_SHIPPED = 40
"""Fewer than this many shipped broker files means the package lost them, not a smaller set."""


def shipped_brokers() -> dict[str, Broker]:
    """Every shipped broker by id, asserting there are as many as a release carries."""
    loaded = load_brokers()
    assert len(loaded.brokers) >= MIN_SHIPPED, f"only {len(loaded.brokers)} broker files loaded"
    automatic = [b for b in loaded.brokers.values() if b.automatic]
    assert automatic, "no automatic recipe among the shipped brokers"
    return loaded.brokers
