"""``schedule-settings.json`` holds no secret (issue 23.10): credentials in any URL are stripped,
whatever characters the password holds; a malformed URL is a note, not a crash; developer
switches stay out; and the file goes with ``schedule remove``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowprofile.cli.main import app
from lowprofile.schedule.saved import apply_saved_settings, capture_settings


@pytest.mark.parametrize(
    ("name", "value", "saved"),
    [
        ("HTTPS_PROXY", "http://KEY:@proxy.example:8011", "http://proxy.example:8011"),
        ("HTTP_PROXY", "http://KEY@proxy.example:8011", "http://proxy.example:8011"),
        ("LOWPROFILE_PROXY", "socks5://u:pa#ss@127.0.0.1:9050", "socks5://127.0.0.1:9050"),
        ("ALL_PROXY", "http://u:pa/ss@proxy.example:3128", "http://proxy.example:3128"),
        ("https_proxy", "u:p?w@d@proxy.example:8080", "proxy.example:8080"),
        (
            "LOWPROFILE_HIBP_URL",
            "https://u:hunter2@hibp.example/api/v3",
            "https://hibp.example/api/v3",
        ),
        ("LOWPROFILE_XPOSEDORNOT_URL", "https://u:pa#ss@xon.example/", None),
        ("LOWPROFILE_PWNEDPASSWORDS_URL", "https://u:p@[::1/range", None),
    ],
)
def test_credentials_in_any_url_are_not_saved(name: str, value: str, saved: str | None) -> None:
    kept, notes = capture_settings({name: value, "LOWPROFILE_DATA_DIR": "/d"}, [])
    assert kept.get(name) == saved
    assert kept["LOWPROFILE_DATA_DIR"] == "/d"
    assert [n for n in notes if n.startswith(f"{name} ")] == notes and len(notes) == 1
    for secret in ("KEY", "pa#ss", "pa/ss", "p?w@d", "hunter2"):
        if secret in value:
            assert secret not in json.dumps(kept) and secret not in notes[0]


def test_a_malformed_proxy_is_a_note_not_a_crash() -> None:
    kept, notes = capture_settings({"HTTPS_PROXY": "http://[::1:8080"}, [])
    assert kept == {
        "HTTPS_PROXY": "http://[::1:8080"
    }  # kept: the run fails rather than goes direct
    assert notes == [
        "HTTPS_PROXY is not a valid URL (Invalid IPv6 URL): the scheduled run will fail"
    ]


def test_secrets_and_developer_switches_are_not_saved() -> None:
    environ = {
        "LOWPROFILE_ALLOW_LOOPBACK": "1",
        "LOWPROFILE_NO_KEYRING": "1",
        "LOWPROFILE_SMTP_PASSWORD": "s3cret",
        "LOWPROFILE_FUTURE_API_KEY": "k3y",
        "LOWPROFILE_SMTP_USER": "me@example.com",
        "NO_PROXY": "localhost,.corp.example",
    }
    kept, notes = capture_settings(environ, ["LOWPROFILE_SMTP_PASSWORD"])
    assert kept == {"LOWPROFILE_SMTP_USER": "me@example.com", "NO_PROXY": "localhost,.corp.example"}
    assert len(notes) == 4 and "s3cret" not in " ".join(notes) and "k3y" not in " ".join(notes)
    assert "LOWPROFILE_ALLOW_LOOPBACK is a developer switch: not saved with the job" in notes


def test_an_old_file_with_a_developer_switch_is_not_obeyed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "schedule-settings.json"
    old.write_text(json.dumps({"LOWPROFILE_ALLOW_LOOPBACK": "1", "LOWPROFILE_RETRIES": "2"}))
    monkeypatch.delenv("LOWPROFILE_ALLOW_LOOPBACK", raising=False)
    monkeypatch.setenv("LOWPROFILE_RETRIES", "3")  # restored after the test
    apply_saved_settings(old)
    assert "LOWPROFILE_ALLOW_LOOPBACK" not in os.environ
    assert os.environ["LOWPROFILE_RETRIES"] == "2"


def test_install_says_what_it_left_out_and_remove_deletes_the_file(
    fake_tools: dict[str, Path],
    profile: Path,
    private_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://KEY:@proxy.example:8011")
    monkeypatch.setenv("LOWPROFILE_HIBP_URL", "https://u:hunter2/x@hibp.example/api/v3")
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    runner = CliRunner()
    result = runner.invoke(app, ["schedule", "install"])
    assert result.exit_code == 0, result.output
    for name in ("HTTPS_PROXY", "LOWPROFILE_HIBP_URL", "LOWPROFILE_ALLOW_LOOPBACK"):
        assert f"note: {name} " in result.stderr
    saved = private_dirs["config"] / "schedule-settings.json"
    text = saved.read_text()
    assert "KEY" not in text and "hunter2" not in text and "ALLOW_LOOPBACK" not in text
    assert json.loads(text)["HTTPS_PROXY"] == "http://proxy.example:8011"
    assert runner.invoke(app, ["schedule", "remove"]).exit_code == 0
    assert not saved.exists()


def test_a_malformed_proxy_fails_the_scheduled_run_in_one_line(
    profile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.schedule import notify as notify_module
    from lowprofile.schedule.runner import run_scheduled

    told: list[tuple[str, str]] = []
    monkeypatch.setattr(notify_module, "notify", lambda t, m, s: told.append((t, m)) or [])
    monkeypatch.setenv("HTTPS_PROXY", "http://[::1:8080")
    assert run_scheduled(profile) == 2  # before any request, not a traceback mid-scan
    assert told == [
        (
            "lowprofile: the scheduled scan failed",
            "HTTPS_PROXY is not a valid proxy URL (Invalid IPv6 URL)",
        )
    ]
