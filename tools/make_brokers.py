"""Rebuild or diff the broker files from a DuckDuckGo definition set (run by hand).

The importer itself is ``lowprofile.brokers.importer``; see its docstring for the two jobs.
"""

import sys

from lowprofile.brokers.importer import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
