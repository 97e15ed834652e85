"""Every outgoing request, in seven rooms.

* ``fence``: the one rule saying whether a host or URL is public, loopback or private, and the
  guards built on it (the URL check, the redirect check, the connecting backend that checks
  resolved addresses). It sits low in the house, below ``config``, because mail settings and
  username lists ask it too.
* ``politeness``: the one per-host clock a scan's fetchers share (HTTP and the browser), and the
  scheduler that hands free slots to the busiest host first.
* ``fetcher``: the ``Fetcher`` protocol both fetchers speak, and the ``Fetched`` page.
* ``http``: the httpx client (deadlines, retries, proxy, certificate authorities).
* ``sockets``: the connections under httpcore, on asyncio's own streams.
* ``pools``: a connection pool per site, so a site's next request rides its last connection.
* ``trust``: the certificate authorities themselves, read once per process, on a thread that a
  command going online starts as it starts.

This file imports nothing, so asking the fence does not load httpx's client or the scheduler.
"""
