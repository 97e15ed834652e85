"""lowprofile: find the public pieces a doxer would use against one person, and remove them."""

__version__ = "0.1.0"
