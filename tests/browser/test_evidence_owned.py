"""Evidence that respects the person (issue 23, defects 6, 12 and 13): a scan kept nowhere keeps
no pages, pruning removes every folder it orphans, every id shown can be exported, and a pack
holds only what the manifests name, read without following links; a damaged manifest is one
line, exit 2."""

from __future__ import annotations

import asyncio
import json
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from localsite import LocalSite, serve, write_recipe
from typer.testing import CliRunner

from lowprofile.browser.evidence import EvidenceKeeper, evidence_root
from lowprofile.cli.main import app
from lowprofile.optout.model import Channel, Request, RequestEvent, RequestState
from lowprofile.optout.records import RequestLedger
from lowprofile.subject import Subject

runner = CliRunner(env={"COLUMNS": "1000"})  # a line is a line, not rich's wrapping at 80
SUBJECT = ["--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--birth-year", "1985"]
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


@pytest.fixture
def plain_site(
    private_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalSite]:
    """One local recipe read over plain HTTP that finds Jane: its page is kept as evidence."""
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    empty = tmp_path / "no-shipped-brokers"
    empty.mkdir()
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: empty)
    with serve() as site:
        path = write_recipe(private_dirs["config"] / "brokers", "plainsite", site.base, "plain")
        path.write_text(path.read_text("utf-8").replace('fetch = "browser"\n', ""), "utf-8")
        yield site


def scan(*flags: str) -> None:
    result = runner.invoke(app, ["scan", *SUBJECT, "--only", "brokers", "--quiet", *flags])
    assert result.exit_code in (0, 1), result.output


def kept(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def test_a_scan_not_saved_keeps_no_evidence(plain_site: LocalSite, tmp_path: Path) -> None:
    scan("--no-save", "--html", str(tmp_path / "r.html"))
    assert plain_site.hits["/plain"] == 1  # the site was searched, and found Jane
    assert kept(evidence_root()) == []
    scan()  # the same scan, saved: its evidence is kept under its history id
    assert kept(evidence_root()) == ["1"]
    assert (evidence_root() / "1" / "plainsite" / "page-1.html").is_file()


def keep_page(folder: Path, broker: str = "spokeo") -> Path:
    keeper = EvidenceKeeper(folder)
    return asyncio.run(keeper.keep(broker, "https://x.example/p", "<p>Jane Doe</p>", "http"))


def age(folder: Path) -> None:
    """Make a folder look written long ago (not a scan still running)."""
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (LONG_AGO, LONG_AGO))


def request_with_evidence(evidence: str) -> None:
    """An opt-out of the scanned person's whose run kept ``evidence``."""
    person = Subject.from_profile({"names": ["Jane Doe"]}).person_id
    at = datetime(2026, 12, 6, 18, 24, tzinfo=UTC)
    sent = RequestEvent(RequestState.SUBMITTED, at, "", evidence)
    request = Request(0, person, Channel.STEPS, "spokeo", date(2026, 12, 6), 30, events=(sent,))
    with RequestLedger(person) as ledger:
        ledger.add(request)


def test_prune_removes_every_folder_it_orphans(plain_site: LocalSite) -> None:
    scan()
    scan()
    root = evidence_root()
    owned = keep_page(root / "optout-20261206T182410Z").parent
    request_with_evidence(str(owned / "spokeo"))
    for name in ("optout-20261101T000000Z", "scan-20261101T000000123456Z", "77"):
        keep_page(root / name)  # a dry run, a scan never saved, a scan gone from the history
    recent = keep_page(root / "scan-20261206T000000000000Z").parent  # a scan still running
    for folder in root.iterdir():
        if folder != recent:
            age(folder)
    (root / "notes").mkdir()  # not ours: left alone
    result = runner.invoke(app, ["history", "prune", "--keep", "1"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 scan(s), and 4 evidence folder(s); 1 kept" in result.stderr
    assert "kept 1 evidence folder(s) of no saved scan or opt-out, written in the last hour" in (
        result.stderr
    )
    assert kept(root) == ["2", "notes", "optout-20261206T182410Z", recent.name]


@pytest.mark.parametrize(
    "shown", ["optout-20261206T182410Z", "{root}/optout-20261206T182410Z/spokeo", "scan 5", "5"]
)
def test_every_id_shown_can_be_exported(shown: str, tmp_path: Path) -> None:
    for name in ("optout-20261206T182410Z", "5"):
        keep_page(evidence_root() / name)
    out = tmp_path / "pack.zip"
    ref = shown.format(root=evidence_root())
    result = runner.invoke(app, ["evidence", "export", ref, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as pack:
        assert "spokeo/page-1.html" in pack.namelist()


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("6", "no evidence for 6"),
        ("../../etc", "'../../etc' names no evidence"),
        ("optout-20261206T182410z", "names no evidence"),  # not as shown: the stamp is upper case
    ],
)
def test_an_unknown_id_is_one_line_exit_2(ref: str, says: str, tmp_path: Path) -> None:
    keep_page(evidence_root() / "5")
    result = runner.invoke(app, ["evidence", "export", ref, "--out", str(tmp_path / "p.zip")])
    assert result.exit_code == 2 and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "p.zip").exists()


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (lambda m: m["pages"][0].pop("url"), "pages[0].url: missing or not text"),
        (lambda m: m["pages"][0].update(files=["page-1.html"]), "pages[0].files: not an object"),
        (lambda m: m.update(pages=["x"]), "pages[0]: not an object"),
        (lambda m: m.update(pages={}), "pages: not a list"),
        (lambda m: m["pages"][0]["files"].update({"../../x": "0" * 64}), "not a plain file"),
        (lambda m: m["pages"][0]["files"].update({"page-1.html": 7}), "not a SHA-256 value"),
    ],
)
def test_a_tampered_manifest_is_one_line_exit_2(tamper: object, says: str, tmp_path: Path) -> None:
    folder = keep_page(evidence_root() / "5")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    tamper(manifest)  # type: ignore[operator]
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    result = runner.invoke(app, ["evidence", "export", "5", "--out", str(tmp_path / "p.zip")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_manifest_nested_deep_is_one_line(tmp_path: Path) -> None:
    folder = keep_page(evidence_root() / "5")
    (folder / "manifest.json").write_text("[" * 200_000 + "]" * 200_000, "utf-8")
    result = runner.invoke(app, ["evidence", "export", "5", "--out", str(tmp_path / "p.zip")])
    assert result.exit_code == 2 and "not JSON" in result.stderr


def test_the_pack_holds_only_what_the_manifests_name(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the person's bank password")
    folder = keep_page(evidence_root() / "5")
    (folder / "notes.txt").symlink_to(secret)  # named by no manifest
    (folder / "stray.html").write_text("<p>not kept by lowprofile</p>")
    (evidence_root() / "5" / "loose.txt").write_text("beside the broker folders")
    out = tmp_path / "pack.zip"
    result = runner.invoke(app, ["evidence", "export", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as pack:
        names = sorted(pack.namelist())
        everything = b"".join(pack.read(name) for name in names)
    assert names == [
        "index.html",
        "spokeo/inert/page-1.html",
        "spokeo/manifest.json",
        "spokeo/page-1.html",
    ]
    assert b"bank password" not in everything


def test_a_named_file_that_is_a_link_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the person's bank password")
    folder = keep_page(evidence_root() / "5")
    page = folder / "page-1.html"
    page.unlink()
    page.symlink_to(secret)
    out = tmp_path / "pack.zip"
    result = runner.invoke(app, ["evidence", "export", "5", "--out", str(out)])
    assert result.exit_code == 2 and "a link, not a file lowprofile kept" in result.stderr
    assert not out.exists()
