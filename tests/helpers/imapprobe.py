"""Run as ``python -m helpers.imapprobe PORT SESSION_SECONDS WAIT``: the opt-out email step's
look at the mailbox (``find_confirmation`` for spokeo) against the IMAP server on 127.0.0.1:PORT,
in a process of its own so that its peak memory can be read. Prints one JSON line: seconds
taken, what it came to (the answer, or the one-line error), and the peak resident size in MB."""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lowprofile.brokers.loader import load_brokers
from lowprofile.config import Settings
from lowprofile.errors import MailboxError
from lowprofile.mail import imap
from lowprofile.optout_steps.mailbox import find_confirmation


def main(port: int, session: float, wait: float) -> dict[str, object]:
    imap.SESSION_SECONDS = session
    broker = load_brokers().brokers["spokeo"]
    [step] = [s for s in broker.optout.steps if s.action == "email_confirmation"]
    settings = Settings(
        imap_host="127.0.0.1", imap_port=port, imap_user="jane", imap_security="none"
    )
    since = datetime.now(UTC) - timedelta(minutes=1)
    start = time.monotonic()
    try:
        found = find_confirmation(broker, step, since, wait, settings=settings, password="pw")
        said = f"answer: {found.answer}"
    except MailboxError as exc:
        said = str(exc)
    return {
        "seconds": time.monotonic() - start,
        "said": said,
        "peak_mb": _peak_mb(),
    }


def _peak_mb() -> float:
    """This process's own peak resident size. ``getrusage``'s ``ru_maxrss`` is not it on Linux:
    it keeps the high-water mark of the process that forked us (a test run grown to 200 MB)
    across the ``exec``; ``VmHWM`` belongs to this program's own memory."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    port, session, wait = sys.argv[1:4]
    print(json.dumps(main(int(port), float(session), float(wait))))
