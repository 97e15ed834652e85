"""Allow `python -m lowprofile`, handy where the console script is not on PATH."""

from lowprofile.cli.main import run

run()
