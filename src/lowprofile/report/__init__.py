"""Renderers of a ScanReport: terminal (rich), JSON (the canonical form) and HTML."""
