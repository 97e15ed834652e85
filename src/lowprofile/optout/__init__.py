"""One request to a broker, whatever the channel it went by.

The package is the request domain: ``law`` (which law a request invokes, its wording, and the
one composer of every request email), ``drafts`` (what an opt-out asks for, and the deletion
email), ``ledger`` (where each request stands, moved by runs and by scans). The channels that send
requests (``optout_steps`` in the browser, ``registry`` by email, and ``optout done`` by hand) sit
on higher floors and write into this one domain. This file imports nothing, so each module of the
package keeps its own floor (docs/architecture.md).
"""
