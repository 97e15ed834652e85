"""Mentions of the person in feeds: their own Google Alerts, news searches for the exact name,
and feeds they add. ``feeds`` keeps and checks the person's feed addresses, ``news`` builds the
news search feeds, ``reading`` turns fetched bytes into items (feedparser, never fetching
itself), ``links`` says when two links are one page, ``matching`` decides whether an item names
the person, and ``findings`` makes a ``mention`` finding of it. The checker that fetches the
feeds is ``checkers/mentions.py``."""

__all__: list[str] = []
