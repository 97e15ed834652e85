"""Monthly (or weekly) rescans through the operating system's own scheduler."""
