"""`lowprofile breaches check` and `breaches password` against a real local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "breaches"
runner = CliRunner()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class FakeServices(BaseHTTPRequestHandler):
    """XposedOrNot and Pwned Passwords as documented, for a handful of addresses."""

    seen: list[tuple[str, dict[str, str], bytes]] = []
    range_answer: bytes | None = None

    def drip(self) -> None:
        """A hostile service: headers at once, then one byte every 50 ms for ten seconds."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            for _ in range(200):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        FakeServices.seen.append((self.path, dict(self.headers), self.rfile.read(length)))
        url = urlsplit(self.path)
        email = url.path.rsplit("/", 1)[-1]
        query_email = parse_qs(url.query).get("email", [""])[0]
        status, payload = 404, b"{}"
        if email == "slow@example.com":
            return self.drip()
        if url.path.startswith("/v1/check-email/"):
            status, payload = {
                "found@example.com": (200, fixture("xon_check_email_found.json")),
                "clean@example.com": (200, fixture("xon_check_email_not_found.json")),
                "shielded@example.com": (404, fixture("xon_check_email_not_found_404.json")),
                "broken@example.com": (200, b"<html>maintenance</html>"),
            }.get(email, (500, b"unexpected"))
        elif url.path == "/v1/breach-analytics" and query_email == "found@example.com":
            status, payload = 200, fixture("xon_breach_analytics_found.json")
        elif url.path.startswith("/range/"):
            status, payload = 200, FakeServices.range_answer or fixture("pwned_range_A94A8.txt")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeServices)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("LOWPROFILE_XPOSEDORNOT_URL", base)
    monkeypatch.setenv("LOWPROFILE_PWNEDPASSWORDS_URL", base)
    monkeypatch.setenv("LOWPROFILE_RETRIES", "0")
    # No loopback opt-in: service URLs the user sets are trusted by host, even on 127.0.0.1.
    FakeServices.seen = []
    FakeServices.range_answer = None
    yield base
    server.shutdown()
    server.server_close()


def check(*emails: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["breaches", "check", *emails, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_every_breach_with_date_and_data_classes(services: str) -> None:
    code, report = check("found@example.com")
    assert code == 1
    findings = report["results"][0]["findings"]
    assert len(findings) == 9
    swe = next(f for f in findings if f["evidence"]["breach"] == "SweClockers")
    assert swe["evidence"]["date"] == "2015"
    assert swe["evidence"]["data_classes"] == ["Usernames", "Email addresses", "Passwords"]
    assert swe["severity"] == "high"
    hibp = next(r for r in report["results"] if r["checker"] == "hibp")
    assert hibp["status"] == "skipped"  # no key: "not checked", never "clean"


def test_not_found_only_on_a_real_not_found_answer(services: str) -> None:
    code, report = check("clean@example.com", "shielded@example.com", "broken@example.com")
    statuses = {
        r["target"]: r["status"] for r in report["results"] if r["checker"] == "xposedornot"
    }
    assert statuses == {
        "clean@example.com": "not_found",  # the person's own addresses, as typed
        "shielded@example.com": "not_found",
        "broken@example.com": "error",
    }
    assert code == 0


def test_password_sends_only_the_prefix(services: str) -> None:
    result = runner.invoke(app, ["breaches", "password", "--stdin"], input="test\n")
    assert result.exit_code == 1
    assert "222,947" in result.stderr
    assert len(FakeServices.seen) == 1
    path, headers, sent_body = FakeServices.seen[0]
    assert path == "/range/A94A8"
    assert headers.get("Add-Padding") == "true"
    everything = path + json.dumps(headers) + sent_body.decode()
    for secret in ("test", "FE5CCB19BA61C4C0873D391E987982FBBD3", "a94a8fe5ccb19ba61c4c"):
        assert secret not in everything.replace("/range/A94A8", "")


def test_unknown_password(services: str) -> None:
    result = runner.invoke(app, ["breaches", "password", "--stdin"], input="not-in-the-range\n")
    assert result.exit_code == 0
    assert "does not appear" in result.stderr


def test_a_dripping_service_is_one_error_and_the_report_is_written(
    services: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.fetch import http

    monkeypatch.setattr(http, "REQUEST_DEADLINE", 0.5)
    code, report = check("slow@example.com", "found@example.com")
    results = {r["target"]: r for r in report["results"] if r["checker"] == "xposedornot"}
    assert results["slow@example.com"]["status"] == "error"
    assert "deadline" in results["slow@example.com"]["detail"]
    assert results["found@example.com"]["status"] == "found"
    assert code == 1


@pytest.mark.parametrize("count", ["9" * 5000, "²"])
def test_a_hostile_password_count_is_a_one_line_error(services: str, count: str) -> None:
    FakeServices.range_answer = f"FE5CCB19BA61C4C0873D391E987982FBBD3:{count}\r\n".encode()
    result = runner.invoke(app, ["breaches", "password", "--stdin"], input="test\n")
    assert result.exit_code == 3
    assert "not a count" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_breach_lookup_is_a_table_not_a_risk_report(services: str) -> None:
    result = runner.invoke(
        app, ["breaches", "check", "found@example.com", "fine@example.com"], env={"COLUMNS": "200"}
    )
    assert "Breaches" in result.stdout and "what leaked" in result.stdout
    assert "doxing risk" not in result.stdout and "California" not in result.stdout
    assert "found@example.com" in result.stdout and "fine@example.com" in result.stdout


def test_redact_masks_the_addresses(services: str) -> None:
    result = runner.invoke(
        app, ["breaches", "check", "clean@example.com", "--json", "--redact", "--quiet"]
    )
    targets = {r["target"] for r in json.loads(result.stdout)["results"]}
    assert "c***@example.com" in targets and "clean@example.com" not in targets
