"""Run a console script with every connection off this machine refused, before it starts.

Sherlock asks GitHub for a newer release and for its exclusion list on every start, whatever
site list it is given; the bench must send nothing beyond loopback. This wrapper resolves and
connects as usual for loopback addresses and raises the error a machine without a network gives
(``gaierror``, ``ConnectionRefusedError``) for anything else, then runs the named script.

Run: python bench/loopback_only.py SCRIPT [ARGS...]   (SCRIPT: a console_scripts name)
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from importlib.metadata import entry_points
from typing import Any

_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        address = address[0]
    if not isinstance(address, str):
        return True  # a Unix socket path: on this machine
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return address == "localhost"


def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    """Names are not looked up (that alone would leave the machine); literals resolve."""
    if host is not None and not _loopback(host if isinstance(host, str) else host.decode()):
        raise socket.gaierror(socket.EAI_NONAME, "bench: only loopback is reachable")
    return _getaddrinfo(host, *args, **kwargs)


def connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        raise ConnectionRefusedError("bench: only loopback is reachable")
    _connect(self, address)


def connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        return 111  # ECONNREFUSED
    return _connect_ex(self, address)


def main() -> None:
    script, *args = sys.argv[1:]
    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    (entry,) = entry_points(group="console_scripts", name=script)
    sys.argv = [script, *args]
    sys.exit(entry.load()())


if __name__ == "__main__":
    main()
