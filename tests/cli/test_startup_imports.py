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
