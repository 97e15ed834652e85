"""Private atomic files, settings layering, and the shipped broker folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lowprofile.config import get_secret, load_settings
from lowprofile.errors import ConfigError
from lowprofile.files import atomic_writer, ensure_private_dir, write_private
from lowprofile.resources import shipped_brokers_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_file_and_dir_modes(tmp_path: Path) -> None:
    folder = ensure_private_dir(tmp_path / "a" / "b")
    target = write_private(folder / "x.json", "{}")
    assert mode(folder) == 0o700
    assert mode(target) == 0o600
    assert target.read_text() == "{}"


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("original")
    with pytest.raises(RuntimeError), atomic_writer(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash in the middle")
    assert target.read_text() == "original"
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_verify_can_veto(tmp_path: Path) -> None:
    target = tmp_path / "v.txt"

    def reject(path: Path) -> None:
        raise ValueError("bad output")

    with pytest.raises(ValueError, match="bad output"):
        write_private(target, "data", verify=reject)
    assert not target.exists()


def test_settings_layers(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[net]\nconcurrency = 4\nhost_interval = 2.5\nhost_intervals = {"a.com" = 9}\n')
    settings = load_settings(path, environ={"LOWPROFILE_CONCURRENCY": "6"})
    assert settings.concurrency == 6
    assert settings.host_interval == 2.5
    assert settings.interval_for("www.a.com") == 9.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("bogus = 1", "unknown setting"),
        ("concurrency = 'many'", "concurrency"),
        ("concurrency = 0", "at least 1"),
        ("proxy = 'ftp://x'", "proxy"),
        ("fail_on = 'bad'", "fail_on"),
        ("browser_mode = 'sometimes'", "browser_mode: 'sometimes' is not one of auto, always"),
        ("imap_security = 'tls'", "imap_security: 'tls' is not one of ssl, starttls, none"),
        ("imap_port = 70000", "imap_port: 70000 is not a port number"),
        ("imap_host = 'imap.example'", "imap_user: needed with imap_host"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={})


def test_what_the_scan_core_once_read_itself_is_a_setting(tmp_path: Path) -> None:
    """The browser mode and the usernames list come through config like every setting, so the
    pipeline and the checkers need not read the environment (issue 22)."""
    env = {
        "LOWPROFILE_BROWSER_MODE": "never",
        "LOWPROFILE_USERNAME_SITES": "/lists/sites.json",
        "LOWPROFILE_USERNAME_SKIP_CATEGORIES": "xx NSFW xx, dating,",
    }
    settings = load_settings(tmp_path / "absent.toml", environ=env)
    assert settings.browser_mode == "never"
    assert settings.username_sites == "/lists/sites.json"
    assert settings.skipped_username_categories == ("xx NSFW xx", "dating")
    defaults = load_settings(tmp_path / "absent.toml", environ={})
    assert (defaults.browser_mode, defaults.username_sites) == ("auto", None)
    assert defaults.skipped_username_categories == ()


def test_mailbox_settings_from_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[mail]\nimap_host = "127.0.0.1"\nimap_user = "jane"\nimap_security = "none"\n')
    env = {"LOWPROFILE_IMAP_PORT": "1143", "LOWPROFILE_IMAP_FOLDER": "Brokers"}
    settings = load_settings(path, environ=env)
    mailbox = (settings.imap_host, settings.imap_port, settings.imap_user)
    assert mailbox == ("127.0.0.1", 1143, "jane")
    assert (settings.imap_folder, settings.imap_security) == ("Brokers", "none")
    assert load_settings(tmp_path / "absent.toml", environ={}).imap_security == "ssl"


def test_the_imap_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWPROFILE_IMAP_PASSWORD", " s3cret \n")
    assert get_secret("imap") == "s3cret"
    monkeypatch.delenv("LOWPROFILE_IMAP_PASSWORD")
    assert get_secret("imap") is None  # the keyring is off in tests


def test_shipped_brokers_dir_is_found() -> None:
    folder = shipped_brokers_dir()
    assert folder.is_dir()
    assert (folder / "README.md").exists() or any(folder.glob("*.toml"))
