"""Shared test helpers, imported as ``helpers.<module>`` (``pythonpath = ["tests"]`` in the
pytest settings): generated photos, a sample report, hostile payloads, a real Chromium, and
the report pictures' sample data."""
