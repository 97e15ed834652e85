"""Writing files that only the user can read, without ever leaving a half-written one behind.

Every file lowprofile writes (profile, reports, history, cleaned photos) can expose the user, so
they are created with mode 0600 in folders of mode 0700, and replaced atomically: a temporary file
in the same folder, flushed and fsynced, then ``os.replace``. A crash leaves the old file or the
new one, never a mix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents; every folder we create is the user's alone
    (``mkdir(parents=True)`` would leave the parents at the umask's 0755)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        folder.chmod(PRIVATE_DIR)
    return path


@contextlib.contextmanager
def atomic_writer(
    path: Path,
    mode: int = PRIVATE_FILE,
    *,
    sync_dir: bool = True,
    keep: os.stat_result | None = None,
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on clean exit it is fsynced and renamed over it.

    The caller writes (and may verify) the temporary file; if the block raises, the temporary file
    is removed and ``path`` is untouched. ``sync_dir=False`` leaves the folder's fsync (which
    makes the rename itself durable) to a caller writing many files there (``fsync_dir``).
    ``keep``: the replaced file's earlier ``os.stat``; the new file takes its permission bits and
    its access and modification times (as ``exiftool -P`` does), so a photo cleaned in place
    keeps its place in a date-sorted library and stays readable by whoever could read it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, mode)
        yield tmp
        if keep is not None:
            _take_over(tmp, keep)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        if sync_dir:
            fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _take_over(path: Path, old: os.stat_result) -> None:
    """Give ``path`` the mode bits and times recorded in ``old`` (times last: chmod keeps them)."""
    os.chmod(path, stat.S_IMODE(old.st_mode))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))


def _existing_kind(path: Path) -> int | None:
    """The file type bits of what ``path`` names now (links followed), or None if nothing."""
    try:
        return stat.S_IFMT(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def write_private(
    path: Path,
    data: bytes | str,
    *,
    verify: Callable[[Path], None] | None = None,
    make_folders: bool = True,
) -> Path:
    """Atomically write ``data`` to ``path`` (mode 0600); ``verify`` may veto the rename.

    Only a regular file (or nothing) is replaced by a rename. A device, a FIFO or ``/dev/stdout``
    is written through instead: renaming over ``/dev/null`` as root would turn it into a regular
    file and break every program that writes to it. A folder is refused. ``make_folders=False``
    is for paths the person typed: a missing folder there is likelier a typo than a wish.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    kind = _existing_kind(path)
    if kind == stat.S_IFDIR:
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    if kind is not None and kind != stat.S_IFREG:
        if verify is not None:
            raise OSError(errno.EINVAL, "cannot verify what is written to a device", str(path))
        with open(path, "wb") as handle:  # no truncation or rename on a device or a pipe
            handle.write(payload)
        return path
    if not make_folders and not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(path.parent))
    ensure_private_dir(path.parent)
    with atomic_writer(path) as tmp:
        tmp.write_bytes(payload)
        if verify is not None:
            verify(tmp)
    return path


def fsync_dir(folder: Path) -> None:
    """Make the rename durable; not every platform lets a folder be opened: best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
