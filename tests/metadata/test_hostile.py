"""The crafted photos of issue 16: none may hang the reader, exhaust memory or bloat the output.

Memory is asserted with tracemalloc's peak (allocations, not time); hangs are caught by an alarm
that fails the test instead of letting the suite run for hours. No test measures speed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fixtures.hostile import hostile_photos as crafted
from helpers.photos import jpeg
from helpers.unprivileged import chown_tree, folder_for, nobody, run_as
from lowprofile.checkers.photos import library_findings
from lowprofile.errors import MetadataError
from lowprofile.metadata.library import scan_library
from lowprofile.metadata.limits import MAX_TEXT_CHARS
from lowprofile.metadata.reader import DamagedPhotoError, PhotoMetadata, read_metadata
from lowprofile.metadata.text import safe_text, shell_quote

MB = 1024 * 1024


@contextmanager
def bounded(max_bytes: int, seconds: int = 60) -> Iterator[None]:
    """Fail if the block allocates more than ``max_bytes`` at its peak, or never returns."""

    def hung(*_: object) -> None:
        raise AssertionError(f"still running after {seconds} s: the reader hangs")

    previous = signal.signal(signal.SIGALRM, hung) if hasattr(signal, "SIGALRM") else None
    if previous is not None:
        signal.alarm(seconds)
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
        assert peak < max_bytes, f"peak allocation {peak / MB:.0f} MB"
    finally:
        tracemalloc.stop()
        if previous is not None:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def read(path: Path) -> tuple[PhotoMetadata | None, str | None]:
    """What the reader gives for ``path``, and its error; never an exception of another kind."""
    try:
        return read_metadata(path), None
    except DamagedPhotoError as exc:
        return exc.partial, str(exc)
    except MetadataError as exc:
        return None, str(exc)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_kept_fixtures_are_what_the_script_makes() -> None:
    for name, make in crafted.SMALL.items():
        assert (crafted.HERE / name).read_bytes() == make(), name


def test_heif_iloc_claiming_four_billion_items() -> None:
    path = crafted.HERE / "heif_iloc_count.heic"
    assert path.stat().st_size == 89
    with bounded(4 * MB, seconds=10):
        meta, error = read(path)
    assert meta is not None and meta.format == "heif"
    assert error is not None and "4,294,967,295 items" in error


def test_heif_item_of_65535_one_megabyte_extents(tmp_path: Path) -> None:
    path = write(tmp_path, "e.heic", crafted.heif_extents())
    with bounded(16 * MB):
        meta, error = read(path)
    assert meta is not None and error is not None and "65,535 extents" in error


def test_heif_extents_within_the_count_limit_stay_within_the_byte_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "e.heic", crafted.heif_extents(extents=1_000))  # 1 GB if copied
    with bounded(200 * MB):
        meta, _ = read(path)
    assert meta is not None and any("size limit" in w for w in meta.warnings)


def test_tiff_gps_ifd_of_million_value_rationals(tmp_path: Path) -> None:
    path = write(tmp_path, "g.tif", crafted.tiff_gps_rationals())
    with bounded(40 * MB):
        meta, error = read(path)
    assert error is None and meta is not None and meta.gps is None


def test_ztxt_author_bomb_inflates_only_a_name(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", crafted.png_ztxt_bomb(inflated=64 * MB))
    with bounded(4 * MB):
        meta, error = read(path)
    assert error is None and meta is not None
    (value,) = meta.names["creator"] if "creator" in meta.names else [""]
    assert len(value) <= MAX_TEXT_CHARS  # zeros: nothing printable, so no name at all
    assert "creator" not in meta.names


def test_ztxt_xmp_bomb_is_refused_past_the_block_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "x.png", crafted.png_ztxt_bomb(64 * MB, b"XML:com.adobe.xmp"))
    with bounded(40 * MB):
        meta, _ = read(path)
    assert meta is not None and not meta.has_xmp
    assert any("inflates past" in w for w in meta.warnings)


def test_long_names_keep_the_json_small(tmp_path: Path) -> None:
    path = write(tmp_path, "n.png", crafted.png_long_author())
    scan = scan_library([path])
    (creator,) = scan.files[0].meta.names["creator"]  # type: ignore[union-attr]
    assert len(creator) == MAX_TEXT_CHARS and creator.endswith("…")
    assert creator.startswith("Jane Jane")
    assert len(json.dumps(scan.to_dict())) < 20_000


@pytest.mark.parametrize(
    "make", [crafted.xmp_unclosed_jpeg, lambda: crafted.xmp_unclosed_png(100_000)]
)
def test_xmp_of_unclosed_elements_is_one_linear_pass(tmp_path: Path, make: object) -> None:
    data = make()  # type: ignore[operator]
    path = write(tmp_path, "x.png" if data.startswith(b"\x89PNG") else "x.jpg", data)
    with bounded(64 * MB, seconds=20):
        meta, error = read(path)
    assert error is None and meta is not None and meta.has_xmp
    assert "creator" not in meta.names and any(w.startswith("XMP") for w in meta.warnings)


def test_xmp_doctype_and_entities_are_refused() -> None:
    with bounded(4 * MB, seconds=10):
        meta, error = read(crafted.HERE / "xmp_doctype.jpg")
    assert error is None and meta is not None
    assert "creator" not in meta.names
    assert any("DOCTYPE" in w for w in meta.warnings)


@pytest.mark.parametrize("suffix", sorted(crafted.SPARSE_HEADS))
def test_sparse_two_gigabyte_files(tmp_path: Path, suffix: str) -> None:
    path = crafted.sparse(tmp_path / f"s.{suffix}")
    with bounded(8 * MB, seconds=20):
        meta, error = read(path)
    assert meta is None or meta.exposed == []  # nothing there, and nothing made up
    if suffix == "jpg":
        assert error is not None and "no JPEG marker" in error
    if suffix == "gif":  # walked, not searched
        assert meta is not None and meta.warnings == ["GIF block structure ends at byte 13"]


def test_stray_bytes_between_segments_are_still_skipped(tmp_path: Path) -> None:
    data = jpeg(tmp_path / "a.jpg").read_bytes()
    after_app0 = 4 + int.from_bytes(data[4:6], "big")
    path = write(tmp_path, "b.jpg", data[:after_app0] + b"\x00" * 5000 + data[after_app0:])
    meta, error = read(path)
    assert error is None and meta is not None and meta.gps is not None
    assert any("skipped 5000 stray byte(s)" in w for w in meta.warnings)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_named_like_a_photo_is_not_opened_for_long(tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    folder.mkdir()
    jpeg(folder / "a.jpg")
    os.mkfifo(folder / "p.jpg")
    (folder / "zero.jpg").symlink_to("/dev/zero")
    with bounded(16 * MB, seconds=20):
        scan = scan_library([folder])
        meta, error = read(folder / "p.jpg")
    assert meta is None and error is not None and "not a regular file" in error
    assert [Path(f.path).name for f in scan.files] == ["a.jpg"]
    assert len(scan.problems) == 2 and all("not a regular file" in p for p in scan.problems)
    assert scan.to_dict()["summary"]["not_scanned"] == 2


def test_unlistable_subfolder_is_a_problem_not_zero_photos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "pics"
    (folder / "locked").mkdir(parents=True)
    jpeg(folder / "locked" / "a.jpg")
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    scan = scan_library([folder])
    assert scan.files == []
    (problem,) = scan.problems
    assert "locked" in problem and "Permission denied" in problem


def _scan_with_a_locked_subfolder(pics: Path) -> dict[str, object]:
    scan = scan_library([pics])
    return {"files": [str(f) for f in scan.files], "problems": scan.problems}


@pytest.mark.skipif(os.name != "posix", reason="folder modes are POSIX")
def test_unreadable_subfolder_for_real(tmp_path: Path) -> None:
    """A real mode-0 folder, not a patched ``scandir``. Root reads any folder, so as root (in CI)
    the scan runs in a child that has become ``nobody``."""
    if os.geteuid() != 0:
        pics = tmp_path / "pics"
        (pics / "locked").mkdir(parents=True)
        jpeg(pics / "locked" / "a.jpg")
        (pics / "locked").chmod(0)
        try:
            seen = _scan_with_a_locked_subfolder(pics)
        finally:
            (pics / "locked").chmod(0o700)
    else:
        account = nobody()
        with folder_for(account) as base:
            pics = base / "pics"
            (pics / "locked").mkdir(parents=True)
            jpeg(pics / "locked" / "a.jpg")
            chown_tree(pics, account)
            (pics / "locked").chmod(0)
            seen = run_as(account, lambda: _scan_with_a_locked_subfolder(pics))
    assert seen["files"] == []
    (problem,) = seen["problems"]  # type: ignore[misc]
    assert "locked" in problem and "Permission denied" in problem


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_non_utf8_file_name_gives_valid_json_and_a_working_command(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9 \x1b[2J.jpg")  # Latin-1 é and an escape sequence
    jpeg(tmp_path / name)
    scan = scan_library([tmp_path])
    data = json.dumps(scan.to_dict(), ensure_ascii=False).encode("utf-8")
    assert b"caf\\\\xe9" in data and b"\x1b" not in data.replace(b"\\u001b", b"")
    (location,) = [f for f in library_findings(scan) if f.kind == "photo_location"]
    assert location.where == safe_text(str(tmp_path / name))
    json.dumps(location.evidence, ensure_ascii=False).encode("utf-8")
    command = location.remedy.command if location.remedy else ""
    assert "$'" in command and "\x1b" not in command
    bash = shutil.which("bash")
    if bash:  # the quoted name names the very same bytes
        quoted = shell_quote(str(tmp_path / name))
        shown = subprocess.run(  # noqa: S603 - a fixed shell and our own quoting
            [bash, "-c", f"printf %s {quoted}"], capture_output=True, check=True
        ).stdout
        assert shown == os.fsencode(str(tmp_path / name))


def test_every_limit_is_documented() -> None:
    from lowprofile.metadata import limits

    names = [name for name in vars(limits) if name.startswith("MAX_")]
    text = (Path(__file__).resolve().parents[2] / "docs" / "limits.md").read_text()
    assert len(names) >= 10
    assert [n for n in names if f"`{n}`" not in text] == []
