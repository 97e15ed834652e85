"""Where every cleaned photo goes, decided for the whole batch before anything is written.

Writing file by file let outputs land on each other and on originals (``IMG_0001.heic`` and a
different ``IMG_0001.jpg`` re-encoded in place; two ``IMG_0001.clean.jpg``; the same name in two
folders under ``--out``). So every output path is planned first, and:

* an original is never overwritten, except by its own cleaned self with ``--in-place``;
* no two outputs share a path (compared case-insensitively, as macOS and Windows do);
* under ``--out`` the folder structure below each folder argument is mirrored;
* a name that is taken gets ``-2``, ``-3``… before ``.clean`` (or before the suffix in place),
  and the outcome says so;
* re-encoding in place writes ``NAME.jpg`` (never over a file that exists) and removes the
  original only once the new file is verified and durable: "in place" means the dirty file goes.

Files named ``NAME.clean.EXT`` (EXT one strip writes) are lowprofile's own outputs: they are not
cleaned again, each is reported as skipped, and the next run replaces them. A link cleaned in
place cleans the photo it points to (written beside it, renamed over it): replacing the link
would leave the photo as it was. Folders that cannot be read and links to folders are NOT
CLEANED entries, never silently left out.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lowprofile.errors import MetadataError, StripError
from lowprofile.files import ensure_private_dir, fsync_dir
from lowprofile.metadata.strip import (
    LOSSLESS,
    NOT_STRIPPED,
    StripOptions,
    StripOutcome,
    clean_to,
    needs_reencode,
    sniff_regular,
)

OUR_OUTPUT = re.compile(r".+\.clean\.(jpe?g|jpe|jfif|png|apng|webp)", re.IGNORECASE)
"""The names strip gives its outputs (lossless keeps the photo's suffix, re-encoding uses .jpg);
``beach.clean.water.jpg`` is somebody's photo, not one of these."""
DEFAULT_SUFFIX = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}
REENCODED_SUFFIX = ".jpg"
JPEG_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})
STALE_TMP_SECONDS = 300
"""A temporary file of ours this old was left by a run that crashed (one lives for well under a
second, a huge re-encode for seconds); younger ones may belong to a run still going."""
_OUR_TMP = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")
"""``atomic_writer``'s temporary names: ``.TARGET.XXXXXXXX.tmp`` beside TARGET."""
MAX_VARIANTS = 1000


@dataclass
class Job:
    """One photo to clean: the path it was found by, the regular file read, where it goes."""

    shown: Path
    real: Path
    kind: str
    in_place: bool = False
    linked: bool = False
    """Found through a symbolic link: in place, the photo it points to is what gets cleaned."""
    target: Path | None = None
    replaces_original: bool = False
    """In place under a new name (a re-encoded JPEG): the original goes once the JPEG is safe."""
    notes: list[str] = field(default_factory=list)
    before: os.stat_result | None = None
    """The photo's mode and times before anything read it (reading moves the access time): in
    place, the cleaned file keeps them."""

    @property
    def reencode(self) -> bool:
        return self.kind not in LOSSLESS


@dataclass
class StripRun:
    """Every outcome (cleaned, NOT CLEANED, skipped) and notices about the run as a whole."""

    outcomes: list[StripOutcome] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


class Places:
    """Where paths really are, for one plan: each folder resolved once (a library has thousands
    of photos in a few folders, and resolving walks every component of the path)."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def folder(self, path: Path) -> str:
        text = str(path)
        if text not in self._folders:
            self._folders[text] = os.path.realpath(text)
        return self._folders[text]

    def real(self, path: Path) -> Path:
        """The file ``path`` names, links followed."""
        if path.is_symlink():
            return Path(os.path.realpath(path))
        return Path(self.folder(path.parent)) / path.name

    def key(self, path: Path) -> str:
        """One spelling per place on disk: the real folder, the name, case folded (conservative
        on case-sensitive systems, right on case-insensitive ones)."""
        return os.path.join(self.folder(path.parent), path.name).casefold()


def walk(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path | None]], list[StripOutcome]]:
    """(file, the folder argument it was found under, None for a file argument), and a NOT
    CLEANED outcome for every argument or folder that could not be read."""
    found: list[tuple[Path, Path | None]] = []
    failed: list[StripOutcome] = []
    for arg in paths:
        try:
            info = os.stat(arg)
        except FileNotFoundError:
            failed.append(StripOutcome(str(arg), error="no such file or folder"))
            continue
        except OSError as exc:
            failed.append(StripOutcome(str(arg), error=f"cannot read: {exc.strerror or exc}"))
            continue
        if not stat.S_ISDIR(info.st_mode):
            found.append((arg, None))
            continue

        def unreadable(exc: OSError, arg: Path = arg) -> None:
            where = exc.filename or arg
            failed.append(
                StripOutcome(str(where), error=f"cannot read this folder: {exc.strerror}")
            )

        for root, dirs, names in os.walk(arg, onerror=unreadable):
            folder = Path(root)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for linked in [d for d in dirs if (folder / d).is_symlink()]:
                dirs.remove(linked)
                failed.append(
                    StripOutcome(
                        str(folder / linked),
                        error="a link to a folder, not followed: give that folder to clean it",
                    )
                )
            found += [(folder / name, arg) for name in sorted(names) if not name.startswith(".")]
    return found, failed


def _desired(
    job: Job, base: Path | None, out_dir: Path | None, in_place: bool
) -> tuple[Path, str, str]:
    """(folder, name stem, name tail) of the output before any clash is resolved."""
    if in_place:
        source = job.real if job.linked else job.shown  # a plain file keeps the path it was given
        if not job.reencode or source.suffix.lower() in JPEG_SUFFIXES:
            return source.parent, source.stem, source.suffix
        return source.parent, source.stem, REENCODED_SUFFIX
    suffix = REENCODED_SUFFIX if job.reencode else job.shown.suffix or DEFAULT_SUFFIX[job.kind]
    folder = job.shown.parent
    if out_dir is not None:
        folder = out_dir
        if base is not None:
            folder = out_dir / job.shown.parent.relative_to(base)
    return folder, job.shown.stem, f".clean{suffix}"


def plan(
    paths: Iterable[Path], options: StripOptions, *, out_dir: Path | None, in_place: bool
) -> tuple[list[Job], list[StripOutcome]]:
    """Every job with its final target, and the outcomes already known (refused, skipped)."""
    found, outcomes = walk(paths)
    jobs: list[tuple[Job, Path | None]] = []
    first_seen: dict[str, Path] = {}
    places = Places()
    for path, base in found:
        if OUR_OUTPUT.fullmatch(path.name):
            outcomes.append(
                StripOutcome(
                    str(path),
                    skipped="named like a cleaned copy strip writes (NAME.clean.EXT): "
                    "not cleaned again",
                )
            )
            continue
        try:
            real = places.real(path)
            before = os.stat(real)
            kind = sniff_regular(real)
            if kind is None:
                raise StripError("not a photo lowprofile recognises")
            if kind not in LOSSLESS and (not options.reencode or kind in NOT_STRIPPED):
                raise needs_reencode(kind)
        except StripError as exc:
            outcomes.append(StripOutcome(str(path), error=str(exc)))
            continue
        except OSError as exc:
            outcomes.append(StripOutcome(str(path), error=f"cannot read: {exc.strerror or exc}"))
            continue
        job = Job(path, real, kind, in_place, linked=path.is_symlink(), before=before)
        if job.linked:
            job.notes.append(f"a link to {real}")
        if in_place:
            earlier = first_seen.setdefault(places.key(real), path)
            if earlier != path:
                outcomes.append(
                    StripOutcome(str(path), skipped=f"the same photo as {earlier}: cleaned once")
                )
                continue
        jobs.append((job, base))
    _assign_targets(jobs, places, out_dir=out_dir, in_place=in_place)
    return [job for job, _ in jobs], outcomes


def _assign_targets(
    jobs: list[tuple[Job, Path | None]], places: Places, *, out_dir: Path | None, in_place: bool
) -> None:
    """Give each job a path no original and no other output has. Lossless jobs choose first, so
    ``IMG_1.jpg`` keeps ``IMG_1.clean.jpg`` and the HEIC beside it gets ``IMG_1-2.clean.jpg``."""
    originals = {places.key(j.real) for j, _ in jobs} | {places.key(j.shown) for j, _ in jobs}
    claimed: set[str] = set()
    for job, base in sorted(jobs, key=lambda pair: (pair[0].reencode, str(pair[0].shown))):
        folder, stem, tail = _desired(job, base, out_dir, in_place)
        wanted = folder / f"{stem}{tail}"
        reason = ""
        for number in range(1, MAX_VARIANTS + 1):
            candidate = wanted if number == 1 else folder / f"{stem}-{number}{tail}"
            where = places.key(candidate)
            if in_place and where == places.key(job.real):
                break  # cleaning a photo over itself is what --in-place asks for
            clash = _clash(where, candidate, claimed, originals, in_place)
            if not clash:
                break
            reason = reason or clash
        else:
            job.notes.append(f"no free name near {wanted.name} after {MAX_VARIANTS} tries")
            continue
        if candidate != wanted:
            job.notes.append(f"written as {candidate.name}: {wanted.name} is {reason}")
        claimed.add(places.key(candidate))
        job.target = candidate
        job.replaces_original = in_place and places.key(candidate) != places.key(job.real)


def _clash(
    where: str, candidate: Path, claimed: set[str], originals: set[str], in_place: bool
) -> str:
    """Why ``candidate`` cannot be an output ("" when it can)."""
    if where in originals:
        return "another photo"
    if where in claimed:
        return "another cleaned photo's name"
    if in_place and os.path.lexists(candidate):
        return "a file that already exists"
    return ""


def remove_stale_temps(folders: dict[Path, set[str]], now: float | None = None) -> int:
    """Delete the temporary files a crashed run left beside the targets about to be written
    (only ours: ``.TARGET.XXXXXXXX.tmp``, a regular file we own, older than STALE_TMP_SECONDS)."""
    cutoff = (now or time.time()) - STALE_TMP_SECONDS
    removed = 0
    for folder, names in folders.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            match = _OUR_TMP.fullmatch(entry.name)
            if match is None or match["name"] not in names:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
                if stat.S_ISREG(info.st_mode) and mine and info.st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
    return removed


def _private_folders(folder: Path) -> None:
    """Create ``folder`` and every missing level above it, each 0700 (``mkdir(parents=True)``
    would leave the upper levels at the umask's 0755)."""
    missing = []
    level = folder
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for level in reversed(missing):
        ensure_private_dir(level)


def run_strip(
    paths: Iterable[Path],
    options: StripOptions | None = None,
    *,
    out_dir: Path | None = None,
    in_place: bool = False,
    clean_stale: bool = True,
) -> StripRun:
    """Plan, then clean every photo; one folder fsync per written folder at the end (each file
    is fsynced before its rename, so a crash leaves the old file or the new, never a mix).

    ``clean_stale``: first remove temporary files a crashed run left beside the targets (one
    listing per folder; ``strip_file``, called once per photo by library users, skips it)."""
    options = options or StripOptions()
    jobs, outcomes = plan(paths, options, out_dir=out_dir, in_place=in_place)
    run = StripRun()
    folders: dict[Path, set[str]] = {}
    for job in jobs:
        if job.target is not None:
            folders.setdefault(job.target.parent, set()).add(job.target.name)
    stale = remove_stale_temps(folders) if clean_stale else 0
    if stale:
        run.notices.append(f"removed {stale} temporary file(s) left by an interrupted run")
    written: set[Path] = set()
    for job in jobs:
        outcomes.append(_run_job(job, options, out_dir, written))
    for folder in written:
        fsync_dir(folder)
    run.outcomes = sorted(outcomes, key=lambda o: o.path)
    return run


def _run_job(
    job: Job, options: StripOptions, out_dir: Path | None, written: set[Path]
) -> StripOutcome:
    outcome = StripOutcome(str(job.shown), notes=list(job.notes))
    if job.target is None:
        outcome.error = "no name is free for its cleaned copy"
        return outcome
    try:
        if out_dir is not None:
            _private_folders(job.target.parent)
        done = clean_to(
            job.real,
            job.target,
            options,
            replace=not job.replaces_original,
            sync_dir=False,
            keep=job.before if job.in_place else None,
        )
        written.add(job.target.parent)
        if job.replaces_original:
            fsync_dir(job.target.parent)  # the clean file is durable before the original goes
            os.unlink(job.real)
            outcome.notes.append(f"the original {job.real.name} was removed (--in-place)")
            if job.linked:
                outcome.notes.append(f"{job.shown} pointed at it and now points at nothing")
        outcome.output, outcome.method, outcome.removed = str(done.path), done.method, done.removed
        outcome.cleaned = True
    except (StripError, MetadataError) as exc:
        outcome.error = str(exc)
    except OSError as exc:
        outcome.error = f"cannot read or write: {exc.strerror or exc}"
    except (struct.error, IndexError, ValueError) as exc:
        outcome.error = f"damaged file ({exc})"
    return outcome


def strip_file(
    path: Path,
    options: StripOptions | None = None,
    *,
    out_dir: Path | None = None,
    in_place: bool = False,
) -> StripOutcome:
    """Clean one file; never raises for a bad file: the outcome says NOT CLEANED and why.

    The same planning as a whole batch (see ``strip_plan``), for one path.
    """
    run = run_strip(
        [path], options or StripOptions(), out_dir=out_dir, in_place=in_place, clean_stale=False
    )
    return run.outcomes[0]
