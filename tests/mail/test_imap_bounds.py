"""The IMAP session is bounded in time and bytes whatever the server does: against hostile
servers on 127.0.0.1 (a drip during SELECT, a flood of untagged lines, a 400 MB literal for a
1 MB fetch) the opt-out email step's look at the mailbox ends within its deadline, in a process
whose peak memory stays under 200 MB, with one line that says why."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.hostileimap import MODES, Mode, hostile_imap
from helpers.testca import make_test_ca
from lowprofile.config import Settings
from lowprofile.errors import MailboxError
from lowprofile.mail.imap import Mailbox

TESTS = Path(__file__).resolve().parents[1]
SESSION = 4.0
"""The session deadline the probe runs with (``SESSION_SECONDS``; 120 s in use)."""
WHY = {
    "drip": "open folder 'INBOX' failed: the session took longer than it may (the server is "
    "too slow)",
    "flood": "open folder 'INBOX' failed: command: EXAMINE => more than 2000 untagged lines in "
    "one answer",
    "huge": "fetch failed: command: UID => the server sent 400000000 bytes where at most 1000000 "
    "were asked for",
}


def _probe(port: int) -> dict[str, object]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])
    )
    done = subprocess.run(
        [sys.executable, "-m", "helpers.imapprobe", str(port), str(SESSION), "0"],
        capture_output=True,
        text=True,
        timeout=60,  # the old reader ran on for good: this ends the test, not the reader
        env=env,
        check=True,
    )
    found: dict[str, object] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("mode", MODES)
def test_a_hostile_server_is_cut_off_within_the_deadline_and_the_memory_cap(mode: Mode) -> None:
    with hostile_imap(mode) as server:
        found = _probe(server.port)
    print(f"{mode}: {found} (server pushed {server.sent_bytes} bytes)")
    assert float(found["seconds"]) < SESSION + 2  # type: ignore[arg-type]
    assert float(found["peak_mb"]) < 200  # type: ignore[arg-type]
    said = str(found["said"])
    assert said == f"IMAP 127.0.0.1:{server.port}: {WHY[mode]}"
    assert "\n" not in said


def test_words_sent_in_clear_with_the_starttls_go_ahead_are_refused(tmp_path: Path) -> None:
    ca = make_test_ca(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(ca["cert"], ca["key"])
    with hostile_imap("inject", tls=context) as server:
        settings = Settings(
            imap_host="127.0.0.1",
            imap_port=server.port,
            imap_user="jane",
            imap_security="starttls",
            ca_bundle=str(ca["ca"]),
        )
        with pytest.raises(
            MailboxError, match="connect failed: .*the server sent data before TLS started"
        ):
            with Mailbox(settings, "pw"):
                pass
    assert "LOGIN" not in server.commands  # the password never left
