"""Broker files (one TOML per people-search site): loading, validating, and matching listings."""
