"""``lowprofile config``: where files live, the settings in force, and secrets in the keyring."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from lowprofile.cli.common import command_group

app = command_group("Show settings and folders; store API keys in the OS keyring.")


@app.command("paths")
def paths_command() -> None:
    """Print the config and data folders and the default profile path."""
    from lowprofile.config import config_dir, data_dir, default_profile_path, settings_path

    typer.echo(f"config:   {config_dir()}")
    typer.echo(f"settings: {settings_path()}")
    typer.echo(f"profile:  {default_profile_path()}")
    typer.echo(f"data:     {data_dir()}")


@app.command("show")
def show_command() -> None:
    """Print the settings in force (defaults, config.toml and LOWPROFILE_* variables applied)."""
    from lowprofile.config import load_settings

    typer.echo(json.dumps(asdict(load_settings()), indent=2))


@app.command("set-secret")
def set_secret_command(
    name: Annotated[str, typer.Argument(help="Secret name, e.g. hibp.")],
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the value from stdin.")] = False,
) -> None:
    """Store an API key in the OS keyring (asked with a hidden prompt; never written to a file)."""
    import sys

    from lowprofile.cli.common import stderr_console
    from lowprofile.config import set_secret

    value = sys.stdin.readline().strip() if stdin else typer.prompt(f"{name} key", hide_input=True)
    if not value:
        from lowprofile.cli.common import fail

        fail("empty secret; nothing stored")
    set_secret(name, value)
    stderr_console().print(f"Stored {name} in the OS keyring.")
