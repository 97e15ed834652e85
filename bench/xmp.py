"""Reading one XMP packet: this tree's reader beside the reader of an earlier revision.

Issue 17 found XMP read with about 110 regex passes per packet (2.8 s of a 6.6 s scan of 5k
photos), and issue 16 found those patterns quadratic on unclosed elements. This loads
``metadata/xmp.py`` as it was at ``--against`` (from git) beside today's, and times, interleaved
in one process (best of 7 rounds of 100):

* the Lightroom-like 15 kB packet of bench/photos.py (names, contact, places, edit history);
* 5,400 unclosed ``<dc:creator>`` (the crafted JPEG segment of issue 16; once, not 100 times).

For the whole-process comparison with exiftool, see bench/photos.py (its "scan (XMP)" row).

Run: python bench/xmp.py [--against REVISION]      (default: 4c0c610, before the rewrite)
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from lowprofile.metadata import xmp as current

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from photos import xmp_packet  # noqa: E402

UNCLOSED = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>' + b"<dc:creator>" * 5_400
)


def load_revision(revision: str, folder: Path) -> ModuleType:
    source = subprocess.run(  # noqa: S603
        ["git", "show", f"{revision}:src/lowprofile/metadata/xmp.py"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    path = folder / "xmp_then.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("xmp_then", path)
    assert spec is not None and spec.loader is not None  # noqa: S101
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reader(module: ModuleType, raw: bytes) -> Callable[[], object]:
    """Everything the photo reader asks of a packet, with either module's API."""
    parse = getattr(module, "parse_xmp", None) or module.decode_packet

    def read() -> object:
        packet = parse(raw)
        return (
            module.xmp_gps(packet),
            module.xmp_names(packet),
            module.xmp_date(packet),
            module.xmp_orientation(packet),
        )

    return read


def best(job: Callable[[], object], rounds: int, repeat: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            job()
        times.append((time.perf_counter() - start) / repeat)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="4c0c610")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        then = load_revision(args.against, Path(tmp))
        print(f"{'packet':<34}{args.against + ' (ms)':>16}{'this tree (ms)':>16}{'speed-up':>10}")
        for label, raw, rounds, repeat in (
            (f"Lightroom-like, {len(xmp_packet()):,} bytes", xmp_packet(), 7, 100),
            (f"5,400 unclosed, {len(UNCLOSED):,} bytes", UNCLOSED, 1, 1),
        ):
            old = best(reader(then, raw), rounds, repeat)
            new = best(reader(current, raw), rounds, repeat)
            print(f"{label:<34}{old * 1000:>16.2f}{new * 1000:>16.2f}{old / new:>9.1f}x")


if __name__ == "__main__":
    main()
