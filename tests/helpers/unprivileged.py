"""Run a check as an ordinary user when the tests run as root (as they do in CI).

Root reads a folder of mode 0 anyway, so a test of "this folder cannot be read" proves nothing
as root. A forked child that gives up root for ``nobody`` meets the same refusal a person's own
account meets; it already holds every imported module, so it needs no read access to the
checkout. The child's answer comes back as JSON through a pipe.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

NOBODY = "nobody"


def nobody() -> pwd.struct_passwd:
    """The unprivileged account the child becomes; the test skips with a reason without it."""
    try:
        return pwd.getpwnam(NOBODY)
    except KeyError:
        pytest.skip(f"no '{NOBODY}' account to drop root for")


@contextmanager
def folder_for(account: pwd.struct_passwd) -> Iterator[Path]:
    """A fresh folder that ``account`` owns and can reach (pytest's own ``tmp_path`` sits under
    a root-only folder), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="lowprofile-unprivileged-"))
    try:
        base.chmod(0o755)
        os.chown(base, account.pw_uid, account.pw_gid)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def chown_tree(root: Path, account: pwd.struct_passwd) -> None:
    """Give ``root`` and everything under it to ``account``."""
    for path in [root, *root.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)


def run_as(account: pwd.struct_passwd, work: Callable[[], Any]) -> Any:
    """``work()``'s JSON-able result, computed in a child that runs as ``account``; an exception
    there is raised here as an AssertionError naming it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            payload = {"ok": work()}
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            payload = {"error": repr(exc)}
            status = 1
        with os.fdopen(write_end, "w", encoding="utf-8") as out:
            json.dump(payload, out)
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as answer:
        text = answer.read()
    os.waitpid(pid, 0)
    result = json.loads(text)
    if "error" in result:
        raise AssertionError(f"as {account.pw_name}: {result['error']}")
    return result["ok"]
