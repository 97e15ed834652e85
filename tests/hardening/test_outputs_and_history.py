"""Issue 16's attacks on outputs, history, reports, profiles and opt-out drafts, kept as tests."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.files import write_private
from lowprofile.optout.drafts import draft_request
from lowprofile.optout.law import UnsafeHeader
from lowprofile.subject import Subject, subject_from_flags

runner = CliRunner()
SCAN = ["scan", "--name", "Jane Doe", "--only", "photos", "--quiet"]


def one_line(text: str) -> str:
    return " ".join(text.split())


def null_device(tmp_path: Path) -> Path:
    """A character device of our own (a second /dev/null): the test never risks the real one."""
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError) as exc:
        pytest.skip(f"cannot make a character device here ({exc}); needs root, as in CI")
    return device


def test_outputs_onto_a_character_device_leave_it_a_device(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    device = null_device(tmp_path)
    photos = tmp_path / "photos"
    photos.mkdir()
    result = runner.invoke(
        app, [*SCAN, "--photos", str(photos), "--json", str(device), "--html", str(device)]
    )
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(device.stat().st_mode)
    assert not list(tmp_path.glob(".null.*"))  # no temporary file left beside it


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_private(fifo, "{}\n")
    reader.join(timeout=10)
    assert received == [b"{}\n"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_folder_is_refused_with_one_line(tmp_path: Path, private_dirs: dict[str, Path]) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = runner.invoke(app, [*SCAN, "--photos", str(tmp_path), "--json", str(folder)])
    assert result.exit_code == 3
    assert "could not write JSON report" in one_line(result.output)
    assert folder.is_dir() and "Traceback" not in result.output


def test_an_output_in_a_missing_folder_is_an_error(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    out = tmp_path / "typo" / "reports" / "r.html"
    result = runner.invoke(app, [*SCAN, "--photos", str(tmp_path), "--html", str(out)])
    assert result.exit_code == 3
    assert "no such folder" in one_line(result.output) and not out.parent.parent.exists()


def test_folders_lowprofile_makes_are_private(tmp_path: Path) -> None:
    out = tmp_path / "data" / "optout" / "x.eml"
    write_private(out, "x")
    for folder in (out.parent, out.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_non_utf8_file_name_still_gives_a_json_report(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    from helpers.photos import jpeg
    from lowprofile.metadata import reader  # noqa: F401 - the photo reader must be importable

    folder = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9"))
    folder.mkdir()
    jpeg(folder / "a.jpg", gps=(48.85, 2.29))
    out = tmp_path / "r.json"
    result = runner.invoke(app, [*SCAN, "--photos", str(folder), "--json", str(out)])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(out.read_bytes().decode("utf-8"))  # valid UTF-8
    wheres = [f["where"] for r in data["results"] for f in r["findings"]]
    assert any("caf" in w and w.endswith("/a.jpg") for w in wheres)  # named, readably
    listed = runner.invoke(app, ["history", "list"])
    assert listed.exit_code == 0, listed.output  # and the history kept it too


def test_an_unusable_data_folder_still_gives_the_outputs(
    tmp_path: Path, private_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("LOWPROFILE_DATA_DIR", str(blocker / "data"))
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    result = runner.invoke(
        app, [*SCAN, "--photos", str(tmp_path), "--json", str(out), "--html", str(page)]
    )
    assert result.exit_code == 3
    assert "could not write history" in one_line(result.output)
    assert json.loads(out.read_text())["results"] and "<html" in page.read_text()


def test_a_corrupt_history_is_one_line(private_dirs: dict[str, Path]) -> None:
    data = private_dirs["data"]
    data.mkdir(parents=True)
    (data / "history.db").write_bytes(b"this is not a database" * 100)
    for command in (["history", "list"], ["report", "latest"], ["optout", "status"]):
        result = runner.invoke(app, command)
        assert result.exit_code != 0, command
        assert "history.db" in one_line(result.output) and "Traceback" not in result.output


def test_a_linked_history_is_refused(tmp_path: Path, private_dirs: dict[str, Path]) -> None:
    data = private_dirs["data"]
    data.mkdir(parents=True)
    target = tmp_path / "elsewhere.db"
    (data / "history.db").symlink_to(target)
    result = runner.invoke(app, ["history", "list"])
    assert result.exit_code != 0 and "symbolic link" in one_line(result.output)
    assert not target.exists()


def test_four_first_scans_at_once_all_succeed(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    command = [sys.executable, "-m", "lowprofile", *SCAN, "--photos", str(tmp_path)]
    runs = [subprocess.Popen(command, stderr=subprocess.PIPE) for _ in range(4)]
    errors = [run.communicate(timeout=120)[1].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], errors
    result = runner.invoke(app, ["history", "list", "--json"])
    assert len(json.loads(result.stdout)) == 4


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "[]",
        '{"schema_version": 1e400}',
        "REPORT_WITH_NAMES_5",
        '{"schema_version": 1, "results": "x"}',
    ],
)
def test_a_hostile_report_file_is_one_line(tmp_path: Path, text: str) -> None:
    if text == "REPORT_WITH_NAMES_5":
        from helpers.sample import sample_report

        data = sample_report().to_dict()
        data["subject"]["names"] = 5
        text = json.dumps(data)
    path = tmp_path / "r.json"
    path.write_text(text)
    result = runner.invoke(app, ["report", str(path)])
    assert result.exit_code == 2, result.output
    assert "not a lowprofile JSON report" in one_line(result.output)
    assert "Traceback" not in result.output


def test_a_profile_string_where_a_list_belongs_is_exit_2(tmp_path: Path) -> None:
    for key, value in (("photo_dirs", "/home/u/Pictures"), ("usernames", "janed")):
        profile = tmp_path / f"{key}.toml"
        profile.write_text(f'names = ["Jane Doe"]\n{key} = "{value}"\n')
        result = runner.invoke(app, ["scan", "--profile", str(profile), "--only", "photos"])
        assert result.exit_code == 2
        assert f"{key}: must be a list" in one_line(result.output)


@pytest.mark.parametrize(
    "email",
    ["privacy@x.com\nBcc: a@b.c", "privacy@x.com\rBcc: a@b.c", "privacy@x.com\u2028Bcc: a@b.c",
     "privacy@x.com\x00", "privacy@x.com\x85Bcc: a@b.c", "privacy@x.com\u2029"],
)  # fmt: skip
def test_a_draft_refuses_control_characters(email: str) -> None:
    subject: Subject = subject_from_flags(["Jane Doe"], city="Austin", state="TX")
    with pytest.raises(UnsafeHeader, match="control character"):
        draft_request(subject, "X", email, [], today=date(2026, 1, 1))


def test_a_broker_name_cannot_add_lines_or_headers_to_a_draft() -> None:
    subject: Subject = subject_from_flags(["Jane Doe"], city="Austin", state="TX")
    message, _ = draft_request(subject, "Evil\r\nBcc: all@example.com", "p@x.com", [])
    assert message["Bcc"] is None
    first = message.get_content().splitlines()[0]
    assert first == "Dear Evil\ufffd\ufffdBcc: all@example.com privacy team,"


def test_two_linkless_namesakes_in_one_town_stay_two_findings() -> None:
    from lowprofile.brokers.listing import Listing
    from lowprofile.brokers.loader import load_brokers
    from lowprofile.brokers.matcher import match_listing
    from lowprofile.checkers.brokers import listing_finding

    broker = next(iter(load_brokers().brokers.values()))
    subject = subject_from_flags(["Jane Doe"], city="Austin", state="TX")
    one = Listing(name="Jane Doe", age=41, locations=["Austin, TX"], phones=["512-555-0101"])
    two = Listing(name="Jane Doe", age=67, locations=["Austin, TX"], phones=["512-555-0199"])
    keys = {
        listing_finding(broker, listing, match_listing(listing, subject), "https://x/").key
        for listing in (one, two, one)
    }
    assert len(keys) == 2


def test_optout_plan_does_not_say_nobody_lists_you_after_an_offline_scan(
    private_dirs: dict[str, Path], no_network
) -> None:
    import httpx

    no_network.route().mock(side_effect=httpx.ConnectError("network is unreachable"))
    scan = runner.invoke(
        app, ["scan", "--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--quiet"]
    )
    assert scan.exit_code == 3
    result = runner.invoke(app, ["optout", "plan"])
    assert "No broker lists you" not in result.output
    assert "No people-search site answered" in one_line(result.output)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_is_one_line_and_the_rest_is_delivered(
    tmp_path: Path, private_dirs: dict[str, Path]
) -> None:
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    page = tmp_path / "r.html"
    result = runner.invoke(
        app, [*SCAN, "--photos", str(tmp_path), "--json", "/dev/full", "--html", str(page)]
    )
    assert result.exit_code == 3
    assert "could not write JSON report /dev/full: No space left on device" in one_line(
        result.output
    )
    assert "Traceback" not in result.output and page.is_file()
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_sites_checked_by_hand_count_in_the_next_scans(
    private_dirs: dict[str, Path], no_network
) -> None:
    """A manual site marked listed becomes a finding with its opt-out (and stays in the diff);
    one marked not listed counts as checked until its re-check time."""
    import httpx

    from lowprofile.brokers.loader import load_brokers

    no_network.route().mock(side_effect=httpx.ConnectError("network is unreachable"))
    manual = [b.id for b in load_brokers().brokers.values() if not b.automatic][:2]
    scan = ["scan", "--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--only", "brokers"]
    runner.invoke(app, [*scan, "--quiet"])
    assert runner.invoke(app, ["optout", "checked", manual[0], "--listed"]).exit_code == 0
    assert runner.invoke(app, ["optout", "checked", manual[1], "--not-listed"]).exit_code == 0
    result = runner.invoke(app, [*scan, "--json", "-", "--quiet"])
    data = json.loads(result.stdout)
    status = {r["source"]: r["status"] for r in data["results"] if r["source"] in manual}
    assert status == {manual[0]: "found", manual[1]: "not_found"}
    assert any("optout:" in a["id"] and manual[0] in a["covers"] for a in data["plan"])
    diff = runner.invoke(app, ["history", "diff", "--json"])
    assert manual[0] in diff.stdout  # new since the scan before the hand check
