"""A real browser for the sites that need one, and the evidence kept of what a scan found.

Playwright is an optional extra (``pip install 'lowprofile[browser]'``); nothing here imports it
at module level, so the scan core loads this package for free and only a scan that really opens
the browser pays for it.
"""
