"""Breach checkers: XposedOrNot (free), Have I Been Pwned (with a key), Pwned Passwords."""

from lowprofile.checkers.breaches.hibp import HibpChecker
from lowprofile.checkers.breaches.xposedornot import XposedOrNotChecker

__all__ = ["HibpChecker", "XposedOrNotChecker"]
