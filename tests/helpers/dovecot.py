"""A real Dovecot IMAP server for one test, on a free loopback port, with one user.

The mailbox tests talk to a real server (not a mock of IMAP): ``running_dovecot`` writes a small
configuration into a private temporary folder (plain IMAP on 127.0.0.1, ``ssl = no``, a
passwd-file with one user, maildir), starts ``dovecot -F`` in its own process group, waits until
it greets, and kills the group at the end. Mail is delivered with Dovecot's own local delivery
agent (``dovecot-lda``), as a mail server would hand it over; ``append`` puts a message in with a
chosen arrival time over IMAP (APPEND), for mail that came before a moment.

As root (CI), Dovecot refuses to run its login and mail processes as root: they run as the
``dovenull`` and ``dovecot`` users the package creates, so the folder is world-traversable (the
mail itself stays 0700, owned by the mail user). As a normal user everything runs as that user.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lowprofile.config import Settings

LDA_PATHS = ("/usr/lib/dovecot/dovecot-lda", "/usr/libexec/dovecot/dovecot-lda")
USER = "jane"
PASSWORD = "correct horse battery"
START_WAIT = 20.0
"""Seconds Dovecot gets to greet before the test fails (it takes well under one)."""


class DovecotMissing(Exception):
    """Dovecot is not installed here (or cannot run as this user); the reason says which."""


@dataclass(frozen=True)
class Dovecot:
    """A running server: where it listens, its one user, and how to put mail into it."""

    port: int
    folder: Path
    conf: Path
    lda: str
    tls_port: int = 0
    """IMAP over TLS (imaps), when started with a certificate; 0 otherwise."""
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    def settings(self, **changes: object) -> Settings:
        """Settings that reach this server (plain IMAP is allowed for a loopback host)."""
        base = Settings(
            imap_host=self.host,
            imap_port=self.port,
            imap_user=self.user,
            imap_security="none",
            allow_loopback=True,
            read_timeout=10.0,
        )
        return base.with_overrides(**changes)

    def deliver(self, message: bytes) -> None:
        """Deliver ``message`` to the user's INBOX through ``dovecot-lda``."""
        done = subprocess.run(
            [self.lda, "-c", str(self.conf), "-d", self.user],
            input=message,
            capture_output=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dovecot-lda failed ({done.returncode}): {done.stderr!r}")

    def append(self, message: bytes, received: datetime) -> None:
        """Put ``message`` into INBOX over IMAP with ``received`` as its arrival time."""
        with imaplib.IMAP4(self.host, self.port, timeout=10) as imap:
            imap.login(self.user, self.password)
            imap.append("INBOX", "", imaplib.Time2Internaldate(received), message)

    def log(self) -> str:
        log = self.folder / "dovecot.log"
        return log.read_text(errors="replace") if log.exists() else ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _accounts() -> tuple[str, str, pwd.struct_passwd]:
    """The internal user, the login user, and the account mail is stored as."""
    me = pwd.getpwuid(os.getuid())
    if os.getuid() != 0:
        return me.pw_name, me.pw_name, me
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError as exc:
        raise DovecotMissing(f"running as root, and {exc} is not a user here") from exc
    return "dovecot", "dovenull", internal


def _tls(tls: tuple[Path, Path] | None) -> str:
    if tls is None:
        return "ssl = no\n"
    cert, key = tls
    return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"


def _config(
    folder: Path, ports: tuple[int, int], internal: str, login: str, uid: int, tls: str
) -> str:
    port, tls_port = ports
    group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
    return f"""\
{tls}protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = {folder}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


def _greets(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _programs() -> tuple[str, str]:
    """The server and its delivery agent, or ``DovecotMissing`` saying which is absent."""
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/sbin")
    if binary is None:
        raise DovecotMissing("dovecot is not installed (Debian: dovecot-imapd; .ci/run adds it)")
    lda = next((p for p in LDA_PATHS if os.access(p, os.X_OK)), None)
    if lda is None:
        raise DovecotMissing(f"dovecot-lda not found at {' or '.join(LDA_PATHS)}")
    return binary, lda


def dovecot_missing() -> str | None:
    """Why Dovecot cannot be started here (for a skip), or None when it can."""
    try:
        _programs()
        _accounts()
    except DovecotMissing as exc:
        return str(exc)
    return None


@contextmanager
def running_dovecot(
    tls: tuple[Path, Path] | None = None, password: str = PASSWORD
) -> Iterator[Dovecot]:
    """Dovecot serving one user on a free loopback port until the block ends; with ``tls``
    (certificate and key files), STARTTLS on that port and imaps on ``tls_port`` too.

    Raises ``DovecotMissing`` where it cannot run here (``dovecot_missing`` says so first)."""
    binary, lda = _programs()
    internal, login, owner = _accounts()
    folder = Path(tempfile.mkdtemp(prefix="lowprofile-dovecot-"))
    try:
        folder.chmod(0o755)  # the login processes (another user under root) reach run/ in it
        home = folder / "mail" / USER
        home.mkdir(parents=True)
        os.chown(home, owner.pw_uid, owner.pw_gid)
        home.chmod(0o700)
        passwd = folder / "passwd"
        line = f"{USER}:{{PLAIN}}{password}:{owner.pw_uid}:{owner.pw_gid}::{home}\n"
        passwd.write_text(line, encoding="utf-8")
        passwd.chmod(0o600)
        os.chown(passwd, owner.pw_uid, owner.pw_gid)  # read by Dovecot's auth process
        port, tls_port = _free_port(), (_free_port() if tls else 0)
        conf = folder / "dovecot.conf"
        conf.write_text(_config(folder, (port, tls_port), internal, login, owner.pw_uid, _tls(tls)))
        server = Dovecot(port, folder, conf, lda, tls_port=tls_port, password=password)
        process = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_WAIT
            while not _greets(port):
                if process.poll() is not None:
                    err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                    raise RuntimeError(f"dovecot exited: {err.strip()} {server.log()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dovecot did not greet on {port}: {server.log()}")
                time.sleep(0.05)
            yield server
        finally:
            _stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the server's process group (master, login, imap, auth), then reap the master."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.stderr:
        process.stderr.close()
