"""Registered data brokers: the state registry as a catalogue, and deletion requests to each.

People-search sites are the brokers a person can see; the registry lists hundreds more that sell
the same facts. This package imports the registry (``importer``), keeps it (``catalogue``),
matches it to our broker files (``match``), writes the requests (``deletion``), sends them
(``mailer``) and remembers what was asked and when the answer is due (``ledger``).
"""

from __future__ import annotations

from lowprofile.registry.catalogue import (
    Catalogue,
    RegistryEntry,
    catalogue_path,
    load_catalogue,
    save_catalogue,
)
from lowprofile.registry.errors import RegistryError, SendError
from lowprofile.registry.importer import parse_registry
from lowprofile.registry.match import match_all

__all__ = [
    "Catalogue",
    "RegistryEntry",
    "RegistryError",
    "SendError",
    "catalogue_path",
    "load_catalogue",
    "match_all",
    "parse_registry",
    "save_catalogue",
]
