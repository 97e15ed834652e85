"""The household: the people who live with the user, each scanned as a person of their own.

``members.py`` keeps the household file (who is in it, each by their own profile); ``links.py``
says which of a member's listings expose the user too; ``run.py`` scans everyone on one client
and one clock; ``report.py`` is the one household report and ``render.py`` draws it for the
terminal, as JSON and as HTML. The package imports nothing here, so a command that only lists
the members loads no scanner.
"""
