"""Issue 25 item 5: every input error is exit 2, one line on stderr, before any request.

The first test walks the command tree typer builds, so a command added later without a case
here fails it; each case is a bad input for that command and must give exit 2, one line (no
traceback, nothing on stdout) and no HTTP request. The tests after it are the issue's examples,
each checked against the README's exit-code table.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
import tomli_w
from typer.main import get_command
from typer.testing import CliRunner, Result

from helpers.sample import sample_report
from lowprofile.cli.main import app
from lowprofile.store import Store
from lowprofile.subject import load_profile, subject_from_flags

runner = CliRunner()
NOPE = "/nonexistent-lowprofile-test/nope"
"""A path that does not exist (its folder neither)."""

BAD_INPUT: dict[str, tuple[list[str], str]] = {
    # command: (arguments after it, a piece of the one line it must say)
    "breaches check": (["not-an-email"], "is not an email address"),
    "breaches password": (["--stdin"], "empty password"),
    "brokers doctor": (["nosuchbroker"], "unknown broker(s): nosuchbroker"),
    "brokers list": (["--bogus"], "No such option: --bogus"),
    "brokers parse": (["nosuch", NOPE, "--name", "Jane Doe"], "unknown broker 'nosuch'"),
    "brokers validate": ([NOPE + ".toml"], "no such file or folder"),
    "brokers update": ([NOPE], "no such file or folder"),
    "browser reset": (["../x"], "not a site's host"),
    "checkers": (["--json", "extra"], "Got unexpected extra argument"),
    "config paths": (["--bogus"], "No such option: --bogus"),
    "config set-secret": (["hibp", "--stdin"], "empty secret"),
    "config show": (["--bogus"], "No such option: --bogus"),
    "mentions add": (["https://10.1.2.3/feed"], "feed 10.1.2.3 is"),
    "mentions list": (["--bogus"], "No such option: --bogus"),
    "mentions remove": (["7"], "no feed '7'"),
    "mentions setup": (["--bogus"], "No such option: --bogus"),
    "settings done": (["myspace"], "no settings checkup for 'myspace'"),
    "evidence export": (["2", "--out", "{tmp}/pack.zip"], "no evidence for 2"),
    "history diff": (["98", "99"], "the history is empty"),
    "history list": (["--profile", NOPE], "no such profile"),
    "history prune": (["--before", "notadate"], "is not a date"),
    "history show": (["99"], "the history is empty"),
    "household add": (["Ann", "--profile", NOPE], "--profile: no such file or folder"),
    "household list": (["--bogus"], "No such option: --bogus"),
    "household remove": (["Ann"], "no household member 'Ann'"),
    "init": (["--name", "Jane Doe", "--photos", NOPE, "--force"], "--photos: no such file"),
    "optout checked": (["nosuch", "--listed"], "unknown broker(s): nosuch"),
    "optout done": (["nosuch"], "unknown broker(s): nosuch"),
    "optout draft": (["nosuch"], "unknown broker 'nosuch'"),
    "optout plan": (["--profile", NOPE], "no such profile"),
    "optout requests": (["--law", "xx"], "--law 'xx'"),
    "optout run": (["nosuch"], "unknown broker(s): nosuch"),
    "optout status": (["--profile", NOPE], "no such profile"),
    "photos scan": ([NOPE], "no such file or folder"),
    "photos strip": ([NOPE], "no such file or folder"),
    "registry list": (["--only"], "requires an argument"),
    "registry mark": (["REF", "--as", "bogus"], "state 'bogus'"),
    "registry replies": (["--security", "bogus"], "imap_security: 'bogus'"),
    "registry status": (["--profile", NOPE], "no such profile"),
    "registry update": ([NOPE + ".csv"], "No such file"),
    "report": (["99"], "the history is empty"),
    "review": (["--only", "nosuch"], "unknown broker(s): nosuch"),
    "scan": (["--photos", NOPE], "--photos: no such file or folder"),
    "schedule install": (["--time", "25:99"], "--time"),
    "schedule remove": (["--bogus"], "No such option: --bogus"),
    "schedule run": (["--profile", NOPE], "no profile at"),
    "schedule status": (["--bogus"], "No such option: --bogus"),
    "schedule test": (["--bogus"], "No such option: --bogus"),
    "usernames check": (["jane", "--sites", NOPE], "cannot read"),
    "usernames doctor": (["--sites", NOPE], "cannot read"),
    "usernames update": (["--proxy", "socks://127.0.0.1:9050"], "must start with http://"),
}


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Every command a person can run (hidden ones too), as ``group command``."""
    children = getattr(command, "commands", None)
    if children is None:
        yield " ".join(path)
        return
    for name, child in children.items():
        yield from _commands(child, (*path, name))


@pytest.fixture
def profile(private_dirs: dict[str, Path]) -> Path:
    """A default profile, so each command gets past "whose records?" to the input at fault."""
    path = private_dirs["config"] / "profile.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    subject = subject_from_flags(["Jane Doe"], city="Austin", state="TX")
    path.write_text(tomli_w.dumps(subject.to_profile()))
    return path


def assert_one_line_exit_2(result: Result, says: str, router: respx.MockRouter) -> None:
    """Exit 2, the whole error on one stderr line, no traceback, no stdout, no request."""
    lines = result.stderr.splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lowprofile: "), lines
    assert says in lines[0]
    assert "Traceback" not in result.output and result.stdout == ""
    assert router.calls.call_count == 0


def test_every_command_has_a_bad_input_case() -> None:
    """A new command must say here how it refuses bad input (the walk below runs it)."""
    assert sorted(_commands(get_command(app))) == sorted(BAD_INPUT)


@pytest.mark.parametrize("command", sorted(BAD_INPUT))
def test_every_command_refuses_bad_input_in_one_line_before_any_request(
    command: str, profile: Path, tmp_path: Path, no_network: respx.MockRouter
) -> None:
    arguments, says = BAD_INPUT[command]
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    result = runner.invoke(app, [*command.split(), *arguments], input="")
    assert_one_line_exit_2(result, says, no_network)


def test_a_bad_top_level_option_is_one_line_too(no_network: respx.MockRouter) -> None:
    result = runner.invoke(app, ["--bogus"])
    assert_one_line_exit_2(result, "(see `lowprofile --help`)", no_network)
    result = runner.invoke(app, ["bogus"])
    assert_one_line_exit_2(result, "No such command 'bogus'", no_network)


def test_a_long_error_is_not_wrapped_at_the_terminal_width(no_network: respx.MockRouter) -> None:
    deep = "/nonexistent-lowprofile-test/" + "a-rather-long-folder-name/" * 6 + "photos"
    result = runner.invoke(app, ["photos", "scan", deep])
    assert_one_line_exit_2(result, deep, no_network)


# The examples of issue 25 item 5, one by one.


def test_photos_strip_of_a_missing_path_is_exit_2(no_network: respx.MockRouter) -> None:
    result = runner.invoke(app, ["photos", "strip", NOPE])
    assert_one_line_exit_2(result, f"no such file or folder: {NOPE}", no_network)


def test_photos_scan_of_a_missing_path_is_exit_2_as_its_help_says(
    no_network: respx.MockRouter,
) -> None:
    result = runner.invoke(app, ["photos", "scan", NOPE, "--json"])
    assert_one_line_exit_2(result, f"no such file or folder: {NOPE}", no_network)
    helped = " ".join(runner.invoke(app, ["photos", "scan", "--help"]).stdout.split())
    assert "2 when a path does not exist" in helped
    assert "3 when a folder or file could not be read" in helped


def test_photos_scan_names_every_missing_path_and_reads_none(
    tmp_path: Path, no_network: respx.MockRouter
) -> None:
    (tmp_path / "a.jpg").write_bytes(b"not a photo")
    result = runner.invoke(app, ["photos", "scan", str(tmp_path), NOPE, NOPE + "2"])
    assert_one_line_exit_2(result, f"{NOPE}, {NOPE}2", no_network)


def test_scan_photos_of_a_missing_folder_is_exit_2_before_any_request(
    profile: Path, private_dirs: dict[str, Path], no_network: respx.MockRouter
) -> None:
    # With the default profile's name, every people-search checker would run: none does.
    result = runner.invoke(app, ["scan", "--profile", str(profile), "--photos", NOPE])
    assert_one_line_exit_2(result, f"--photos: no such file or folder: {NOPE}", no_network)
    assert not (private_dirs["data"] / "history.db").exists()  # no scan was run or saved


@pytest.mark.parametrize("flag", ["--json", "--html"])
def test_scan_output_in_a_missing_folder_is_exit_2_before_any_request(
    flag: str, profile: Path, private_dirs: dict[str, Path], no_network: respx.MockRouter
) -> None:
    target = "/nodir-lowprofile-test/x.out"
    result = runner.invoke(app, ["scan", "--profile", str(profile), flag, target])
    assert_one_line_exit_2(result, f"{flag} {target}: no such folder", no_network)
    assert not (private_dirs["data"] / "history.db").exists()


def test_scan_save_pages_under_a_file_is_exit_2(
    tmp_path: Path, profile: Path, no_network: respx.MockRouter
) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    result = runner.invoke(app, ["scan", "--save-pages", str(file / "pages")])
    assert_one_line_exit_2(result, "is a file, not a folder", no_network)


def test_history_show_report_and_diff_of_an_unknown_scan_are_exit_2(
    profile: Path, no_network: respx.MockRouter
) -> None:
    for empty in (["history", "show", "99"], ["report", "99"], ["history", "diff"]):
        assert_one_line_exit_2(runner.invoke(app, empty), "the history is empty", no_network)
    with Store() as store:
        store.save(sample_report(), load_profile(profile).person_id)
    for unknown in (["history", "show", "99"], ["report", "99"], ["history", "diff", "1", "99"]):
        result = runner.invoke(app, unknown)
        assert_one_line_exit_2(result, "no scan 99 in the history", no_network)
    result = runner.invoke(app, ["history", "diff"])
    assert_one_line_exit_2(result, "only one scan in the history", no_network)


def test_evidence_export_of_no_evidence_or_to_a_missing_folder_is_exit_2(
    tmp_path: Path, private_dirs: dict[str, Path], no_network: respx.MockRouter
) -> None:
    result = runner.invoke(app, ["evidence", "export", "2", "--out", str(tmp_path / "p.zip")])
    assert_one_line_exit_2(result, "no evidence for 2", no_network)
    kept = private_dirs["data"] / "evidence" / "2"
    kept.mkdir(parents=True)
    result = runner.invoke(app, ["evidence", "export", "2", "--out", NOPE + "/p.zip"])
    assert_one_line_exit_2(result, "--out", no_network)
    assert "no such folder" in result.stderr
    assert not Path(NOPE).parent.exists()  # the pack made no folder on the way


def test_init_with_a_missing_photo_folder_is_exit_2_and_writes_nothing(
    private_dirs: dict[str, Path], no_network: respx.MockRouter
) -> None:
    result = runner.invoke(app, ["init", "--name", "Jane Doe", "--photos", NOPE])
    assert_one_line_exit_2(result, f"--photos: no such file or folder: {NOPE}", no_network)
    assert not (private_dirs["config"] / "profile.toml").exists()


@pytest.mark.parametrize(
    "proxy", ["127.0.0.1:9050", "socks://127.0.0.1:9050", "http://127.0.0.1:notaport"]
)
def test_a_bad_proxy_is_one_line_exit_2_from_the_flag_and_the_environment(
    proxy: str, monkeypatch: pytest.MonkeyPatch, no_network: respx.MockRouter
) -> None:
    scan = ["scan", "--name", "Jane Doe", "--no-save"]
    result = runner.invoke(app, [*scan, "--proxy", proxy])
    assert_one_line_exit_2(result, f"proxy: {proxy!r}", no_network)
    result = runner.invoke(app, scan, env={"LOWPROFILE_PROXY": proxy})
    assert_one_line_exit_2(result, f"proxy: {proxy!r}", no_network)


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "all_proxy"])
@pytest.mark.parametrize("value", ["socks://127.0.0.1:1080/", "http://127.0.0.1:notaport"])
def test_a_bad_environment_proxy_is_one_line_exit_2_before_any_request(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch, no_network: respx.MockRouter
) -> None:
    monkeypatch.setenv(variable, value)
    result = runner.invoke(app, ["scan", "--name", "Jane Doe", "--no-save"])
    assert_one_line_exit_2(result, f"{variable}: {value!r}", no_network)


def test_a_bad_profile_value_names_its_key(tmp_path: Path, no_network: respx.MockRouter) -> None:
    path = tmp_path / "p.toml"
    path.write_text('names = ["Jane Doe"]\nbirth_year = "eighty-five"\n')
    result = runner.invoke(app, ["scan", "--profile", str(path)])
    assert_one_line_exit_2(result, "birth_year: 'eighty-five' is not a whole number", no_network)
    assert "invalid literal" not in result.stderr
