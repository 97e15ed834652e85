"""Why lowprofile reads photo metadata itself instead of through exifread.

Runs both readers over the shared samples (``../shared/data/photos``) and prints, side by side,
how many of the files exiftool found a GPS position in each one finds, and files per second.
exifread is not a dependency: install it in the same environment to compare
(``pip install exifread``); without it only lowprofile's figures are printed.

    python bench/readers.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from lowprofile.errors import MetadataError
from lowprofile.metadata.reader import read_metadata

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "photos"


def ours(path: Path) -> bool:
    try:
        meta = read_metadata(path)
    except MetadataError:
        return False
    return bool(meta and meta.gps)


def exifread_reader() -> Callable[[Path], bool] | None:
    try:
        import exifread
    except ImportError:
        return None
    import logging

    logging.getLogger("exifread").setLevel(logging.CRITICAL)  # it warns on every odd file

    def read(path: Path) -> bool:
        try:
            with open(path, "rb") as handle:
                tags = exifread.process_file(handle, details=True)
        except Exception:  # exifread raises many kinds on damaged files
            return False
        return any(key.startswith("GPS GPSLatitude") for key in tags)

    return read


def measure(read: Callable[[Path], bool], files: list[Path], with_gps: set[Path], rounds: int):
    found = sum(read(path) for path in with_gps)
    start = time.perf_counter()
    for _ in range(rounds):
        for path in files:
            read(path)
    return found, len(files) * rounds / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (SAMPLES / "groundtruth.json").is_file():
        raise SystemExit(f"no shared samples at {SAMPLES}")
    entries = json.loads((SAMPLES / "groundtruth.json").read_text("utf-8"))
    files = [SAMPLES / e["file"] for e in entries]
    with_gps = {SAMPLES / e["file"] for e in entries if e.get("gps")}
    print(f"{len(files)} sample files, {len(with_gps)} with a GPS position (exiftool)")
    print(f"{'reader':<12} {'GPS found':>10} {'files/s':>10}")
    readers = {"lowprofile": ours, "exifread": exifread_reader()}
    for name, read in readers.items():
        if read is None:
            print(f"{name:<12} {'not installed (pip install exifread)':>21}")
            continue
        found, rate = measure(read, files, with_gps, args.rounds)
        print(f"{name:<12} {found:>5} of {len(with_gps):<3} {rate:>10.0f}")


if __name__ == "__main__":
    main()
