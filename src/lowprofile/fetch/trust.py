"""The certificate authorities every TLS connection trusts, read once per process, early.

``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set (the usual convention behind a proxy that inspects
TLS), else certifi's bundle. Reading that bundle (about 140 certificates) costs 20-40 ms, a
tenth of what a username check spends before its first request, and OpenSSL parses it without
holding the GIL. So a command that is about to go online calls ``preload`` as it starts: the
bundle is read on a thread of its own while the command's modules are imported beside it, and
``authorities`` hands that context to the first caller. Every later caller gets a context of
its own (``fetch.http.ssl_context`` adds the ``ca_bundle`` setting to the one it gets).

Nothing here imports more than the standard library and certifi: ``cli.main`` calls
``preload`` before the command's own modules are loaded.
"""

from __future__ import annotations

import os
import ssl
import stat
import threading


def sources() -> tuple[str | None, str | None]:
    """Where the authorities come from now: (file, folder); (None, None) means certifi's."""
    return os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None


def must_be_a_file(path: str) -> None:
    """Raise ``OSError`` unless ``path`` is a regular file: a FIFO or a device (/dev/stdin,
    /dev/zero) would hold OpenSSL's read, and every client waiting for it, for ever, and a
    folder of authorities is read another way (``SSL_CERT_DIR``, a ``ca_bundle`` folder)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError("not a regular file")


def _read(sources: tuple[str | None, str | None]) -> ssl.SSLContext:
    cafile, capath = sources
    if cafile:
        must_be_a_file(cafile)
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class _Early:
    """One read started ahead of need: what it read from, and when done, what it made. (A
    plain class: ``dataclasses`` costs 13 ms to import, and this runs before anything else.)"""

    def __init__(self, sources: tuple[str | None, str | None]) -> None:
        self.sources = sources
        self.done = threading.Event()
        self.context: ssl.SSLContext | None = None

    def run(self) -> None:
        try:
            self.context = _read(self.sources)
        except (OSError, ssl.SSLError):
            self.context = None  # read again where it is needed, where the error is reported
        finally:
            self.done.set()


_early: _Early | None = None
"""The read ``preload`` started, until a caller takes it."""
_preloaded = False
_lock = threading.Lock()


def preload() -> None:
    """Start reading the authorities on a daemon thread, once per process: for a command
    that will make a TLS connection soon. Harmless when nothing ever asks for them."""
    global _early, _preloaded
    with _lock:
        if _preloaded:
            return
        _preloaded = True
        early = _early = _Early(sources())
    threading.Thread(target=early.run, name="read certificate authorities", daemon=True).start()


def authorities() -> ssl.SSLContext:
    """A client context trusting the authorities: the one ``preload`` read, to the first
    caller when the sources have not changed since; else read now. Raises ``OSError`` or
    ``ssl.SSLError`` for a file or folder that cannot be read as authorities."""
    global _early
    with _lock:
        early, _early = _early, None
    now = sources()
    if early is not None and early.sources == now:
        early.done.wait()
        if early.context is not None:
            return early.context
    return _read(now)
