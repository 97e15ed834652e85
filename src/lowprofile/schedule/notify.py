"""Telling the user something new turned up: desktop notification, console, or email.

Email only when SMTP settings exist; its password comes from the environment or the keyring
(``lowprofile config set-secret smtp``), never from the config file. The message carries counts
and titles, not the personal details themselves.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys

from lowprofile.config import Settings, get_secret

log = logging.getLogger(__name__)


def notify(title: str, message: str, settings: Settings) -> list[str]:
    """Send by every channel available; returns the channels used (for the log)."""
    used = []
    if sys.platform == "darwin" and shutil.which("osascript"):
        script = f"display notification {_applescript(message)} with title {_applescript(title)}"
        subprocess.run(["osascript", "-e", script], check=False, capture_output=True)
        used.append("osascript")
    elif shutil.which("notify-send") and (
        os.environ.get("DISPLAY") or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    ):
        subprocess.run(["notify-send", title, message], check=False, capture_output=True)
        used.append("notify-send")
    if settings.smtp_host and settings.smtp_to:
        try:
            send_email(title, message, settings)
            used.append("email")
        except OSError as exc:
            log.warning("email notification failed: %s", exc)
    print(f"{title}: {message}", file=sys.stderr)
    used.append("console")
    return used


def send_email(title: str, message: str, settings: Settings) -> None:
    """Mail ``title`` and ``message`` to ``smtp_to`` through ``lowprofile.mail.smtp``: TLS
    verified with ``ca_bundle`` honoured, and no password to a server that cannot prove itself.
    Raises ``SmtpError`` (an ``OSError``) with one line when it could not be sent."""
    from email.message import EmailMessage

    from lowprofile.mail.smtp import Relay, send_mail

    email = EmailMessage()
    email["Subject"] = title
    email["From"] = settings.smtp_from or settings.smtp_to or ""
    email["To"] = settings.smtp_to or ""
    email.set_content(message)
    password = get_secret("smtp") if settings.smtp_user else None
    send_mail(Relay.from_settings(settings, password), email)


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
