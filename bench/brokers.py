"""A two-name broker scan against a loopback stand-in for every automatic broker, beside its bound.

Every shipped broker that is searched automatically gets a copy of its file in a temporary
config folder (a user's file replaces the shipped one by id) whose search URL points at an HTTPS
stand-in on its own loopback address: one address per real host, as the politeness rule sees
hosts. Each stand-in answers every search after ``--delay`` seconds with an unrelated page.
``--shared K`` puts K brokers on one address instead: several sites served from one host.

``lowprofile scan --only brokers`` then runs as one process (under ``/usr/bin/time -v`` where it
exists, as bench/usernames.py runs it), and the stand-ins' own clock gives:

* the time from starting the process to the first request (imports, loading broker files), on
  the first scan (every broker file validated) and on the next (the measured one);
* the scan proper, first request to last answer, beside its lower bound:
  ``max(requests / in flight, the longest chain on one host) x max(delay, host interval)``;
* politeness as the servers saw it: never two requests at once on one host, starts at least the
  host interval apart.

No reference tool: no other people-search scanner is installed here, so the bound is the reference.

Run: python bench/brokers.py [--delay 1] [--concurrency N] [--shared 1] [--names 2]
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import shutil
import ssl
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from lowprofile.brokers.loader import broker_files, link_brokers
from lowprofile.brokers.schema import Broker, check_broker_file
from lowprofile.config import Settings
from lowprofile.resources import shipped_brokers_dir

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from usernames import timed  # noqa: E402

PARTS = ("config", "data")
PAGE = (ROOT / "tests" / "fixtures" / "brokers" / "unrelated_page.html").read_bytes()
NAMES = ("Jane Q Doe", "Jane Smith", "Jane Roe", "Jane Poe", "Jane Moe")


@dataclass
class Log:
    """Every request the stand-ins saw: (address, start, end) on this process's monotonic clock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: list[tuple[str, float, float]] = field(default_factory=list)


def _handler(log: Log, delay: float, address: str) -> type[BaseHTTPRequestHandler]:
    class Answer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # kept alive, as real sites do

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            start = time.monotonic()
            time.sleep(delay)
            with log.lock:  # before answering, so the log is complete when the scan ends
                log.seen.append((address, start, time.monotonic()))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        do_POST = do_GET  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Answer


def make_certificates(folder: Path, addresses: list[str]) -> tuple[Path, Path, Path]:
    """A throw-away certificate authority, and one server certificate naming every address;
    returns the CA's file (for ``LOWPROFILE_CA_BUNDLE``), the certificate's and the key's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def named(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def signed(subject: str, public: Any, extensions: list[tuple[Any, bool]]) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(named(subject))
            .issuer_name(named("bench CA"))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(hours=2))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(ca_key, hashes.SHA256())

    ca = signed("bench CA", ca_key.public_key(), [(x509.BasicConstraints(True, None), True)])
    sans = [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = signed(addresses[0], key.public_key(), [(x509.SubjectAlternativeName(sans), False)])
    pem = serialization.Encoding.PEM
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@contextmanager
def standins(
    brokers: dict[str, str], log: Log, delay: float, tls: ssl.SSLContext
) -> Iterator[dict[str, str]]:
    """One threaded HTTPS server per broker on its address; yields broker id -> base URL (so two
    brokers on one address still have URLs of their own)."""
    with ExitStack() as stack:
        bases = {}
        for broker_id, address in brokers.items():
            server = ThreadingHTTPServer((address, 0), _handler(log, delay, address))
            server.socket = tls.wrap_socket(server.socket, server_side=True)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.server_close)
            stack.callback(server.shutdown)
            bases[broker_id] = f"https://{address}:{server.server_address[1]}"
        yield bases


def shipped_automatic() -> list[Broker]:
    """The shipped brokers that send requests (a mirror of another is searched there)."""
    found = (check_broker_file(path)[0] for path in broker_files(shipped_brokers_dir()))
    linked, _ = link_brokers({b.id: b for b in found if b is not None})
    return [b for b in linked.values() if b.automatic and not b.searched_as]


def addresses(brokers: list[Broker], shared: int) -> dict[str, str]:
    """Broker id -> loopback address: one per real host, except that the first ``shared``
    brokers share one."""
    hosts: dict[str, str] = {}
    out = {}
    for index, broker in enumerate(brokers):
        real_host = urlsplit(re.sub(r"\{[^}]*\}", "x", broker.search.url)).hostname or ""
        if index < shared:
            real_host = "shared"
        out[broker.id] = hosts.setdefault(real_host, f"127.0.0.{2 + len(hosts)}")
    return out


def write_recipes(folder: Path, brokers: list[Broker], bases: dict[str, str]) -> None:
    """Copies of the shipped files whose search URL points at the broker's stand-in."""
    folder.mkdir(parents=True, exist_ok=True)
    for broker in brokers:
        parts = urlsplit(broker.search.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        data = tomllib.loads((shipped_brokers_dir() / f"{broker.id}.toml").read_text("utf-8"))
        data["search"]["url"] = bases[broker.id] + path
        (folder / f"{broker.id}.toml").write_text(tomli_w.dumps(data), "utf-8")


def politeness(log: Log, interval: float) -> str:
    """Whether any host had two requests at once or two starts closer than ``interval``."""
    by_host: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for address, start, end in log.seen:
        by_host[address].append((start, end))
    worst_gap = float("inf")
    overlaps = 0
    for spans in by_host.values():
        spans.sort()
        for (s1, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            worst_gap = min(worst_gap, s2 - s1)
            overlaps += s2 < e1 - 0.01
    held = overlaps == 0 and worst_gap >= interval - 0.01
    gap = f"{worst_gap:.2f} s" if worst_gap != float("inf") else "-"
    return f"{'held' if held else 'BROKEN'} (overlaps {overlaps}, closest starts {gap})"


def run(args: argparse.Namespace, lowprofile: str) -> None:
    settings = Settings()
    in_flight = args.concurrency or settings.concurrency
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        brokers = shipped_automatic()
        placed = addresses(brokers, args.shared)
        ca, cert, key = make_certificates(folder, list(dict.fromkeys(placed.values())))
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        log = Log()
        with standins(placed, log, args.delay, tls) as bases:
            write_recipes(folder / "config" / "brokers", brokers, bases)
            env = {**os.environ, "LOWPROFILE_ALLOW_LOOPBACK": "1", "LOWPROFILE_NO_KEYRING": "1"}
            env |= {f"LOWPROFILE_{part.upper()}_DIR": str(folder / part) for part in PARTS}
            env["LOWPROFILE_CA_BUNDLE"] = str(ca)
            if args.concurrency:
                env["LOWPROFILE_CONCURRENCY"] = str(args.concurrency)
            command = [lowprofile, "scan", "--only", "brokers", "--browser", "never"]
            for name in NAMES[: args.names]:
                command += ["--name", name]
            command += ["--city", "Austin", "--state", "TX", "--birth-year", "1984"]
            command += ["--no-save", "--quiet", "--json", "-"]
            if args.profile:  # where the time goes, for `python -m pstats FILE`
                command = [sys.executable, "-m", "cProfile", "-o", args.profile, *command]
            cold = 0.0
            for _ in ("first scan: validates the broker files", "next scan: as measured"):
                log.seen.clear()
                began = time.monotonic()
                wall, out, _, rss = timed(command, env)
                if not log.seen:
                    sys.exit("the scan sent no request to the stand-ins")
                cold = cold or min(start for _, start, _ in log.seen) - began
    if os.environ.get("BENCH_TRACE"):
        for address, start, end in sorted(log.seen):
            print(f"{address:<12}{start - began:8.2f}{end - began:8.2f}")
    statuses = Counter(r["status"] for r in json.loads(out)["results"])
    first = min(start for _, start, _ in log.seen) - began
    span = max(end for _, _, end in log.seen) - (first + began)
    per_host = Counter(address for address, _, _ in log.seen)
    step = max(args.delay, settings.host_interval)
    chain = max(per_host.values())
    bound = max(len(log.seen) / in_flight, chain) * step
    print(
        f"{len(log.seen)} requests to {len(per_host)} hosts (the busiest has {chain}), "
        f"{args.names} names, {in_flight} in flight, {args.delay:g} s per answer"
    )
    print(f"{'whole process (wall)':<34}{wall:>8.2f} s" + f"  max RSS {rss}")
    print(f"{'start to first request':<34}{first:>8.2f} s  (first scan: {cold:.2f} s)")
    print(f"{'first request to last answer':<34}{span:>8.2f} s")
    print(
        f"{'lower bound':<34}{bound:>8.2f} s  (max({len(log.seen)} / {in_flight}, "
        f"chain {chain}) x {step:g} s)"
    )
    print(f"{'scan / bound':<34}{span / bound:>8.2f} x")
    print(f"{'politeness':<34}{politeness(log, settings.host_interval)}")
    print(f"{'results':<34}{dict(sorted(statuses.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per answer")
    parser.add_argument("--concurrency", type=int, default=0, help="in flight (0: the default)")
    parser.add_argument("--shared", type=int, default=1, help="brokers on one host")
    parser.add_argument("--names", type=int, default=2, choices=range(1, len(NAMES) + 1))
    parser.add_argument("--profile", metavar="FILE", help="run the scan under cProfile")
    args = parser.parse_args()
    lowprofile = shutil.which("lowprofile") or sys.exit("lowprofile is not installed")
    run(args, lowprofile)


if __name__ == "__main__":
    main()
