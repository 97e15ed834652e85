"""Usernames: WhatsMyName's site list, its rules, the control check, self-test and update.

The checker that runs these in a scan is ``lowprofile.checkers.usernames``; the site list is
WhatsMyName's (CC BY-SA 4.0, Micah Hoffman and contributors), shipped in ``data/``.
"""

from lowprofile.usernames.sites import Site, SiteList, SiteListError, load_sites

__all__ = ["Site", "SiteList", "SiteListError", "load_sites"]
