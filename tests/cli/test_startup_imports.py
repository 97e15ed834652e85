"""`--help` stays fast because the CLI imports no heavy library until a command runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["httpx", "bs4", "PIL", "jinja2", "exifread", "lxml", "keyring"]


def test_cli_import_loads_no_heavy_module() -> None:
    code = (
        "import sys, lowprofile.cli.main\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at CLI start: {out.stdout.strip()}"


def test_the_console_script_joins_only_the_command_named() -> None:
    """A command line that names a command or group joins that one alone; completion, help and
    unknown names get the whole command (they list or judge every name)."""
    from lowprofile.cli.main import asked_for

    assert asked_for(["-v", "usernames", "check", "x"], {}) == "usernames"
    assert asked_for(["scan", "--name", "Jane Doe"], {}) == "scan"
    assert asked_for(["--help"], {}) is None
    assert asked_for(["nosuch"], {}) is None
    assert asked_for(["usernames"], {"_LOWPROFILE_COMPLETE": "complete_bash"}) is None


def test_every_command_of_the_whole_app_can_be_joined_alone() -> None:
    """Each name the whole command lists builds on its own, with the same help."""
    from typer.main import get_command

    from lowprofile.cli.main import COMMANDS, GROUPS, app, build_app

    whole = get_command(app)
    names = set(whole.commands)  # type: ignore[attr-defined]
    assert names == set(COMMANDS) | set(GROUPS)
    for name in names:
        alone = get_command(build_app(name))
        assert list(alone.commands) == [name]  # type: ignore[attr-defined]
        assert alone.commands[name].help == whole.commands[name].help  # type: ignore[attr-defined]
