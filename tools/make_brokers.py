"""Rebuild or diff the broker files from a DuckDuckGo definition set (run by hand).

The jobs are ``lowprofile.brokers.rebuild``'s, on the translations of
``lowprofile.brokers.importer`` (see its docstring).
"""

import sys

from lowprofile.brokers.rebuild import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
