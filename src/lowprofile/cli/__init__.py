"""The command-line interface: one module per command group, joined in ``cli/main.py``."""
