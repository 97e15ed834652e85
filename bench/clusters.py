"""Clustering at camera-roll density, and a whole photo scan of one home beside exiftool.

Issue 17 measured clustering quadratic when photos are close together (8k photos within 40 m
of one home: 78 s). This prints, in one run:

* clustering alone (in-process, best of 3) for 500 to 8,000 photos within 40 m of one home,
  and the same counts spread over a city (40 km);
* ``lowprofile photos scan DIR --json`` over N tiny JPEGs taken within 40 m of one home, vs
  ``exiftool -n -r -gps:all DIR`` on the same folder, each as one whole process.

Run: python bench/clusters.py [--files N]
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from lowprofile.metadata.clusters import EARTH_RADIUS_M, cluster_points

HOME = (30.27, -97.74)
SIZES = (500, 1_000, 2_000, 4_000, 8_000)


def around(count: int, spread_m: float, seed: int = 1) -> list[tuple[str, float, float, None]]:
    rng = random.Random(seed)
    points = []
    for i in range(count):
        bearing, reach = rng.uniform(0, 2 * math.pi), spread_m * math.sqrt(rng.random())
        lat = HOME[0] + math.degrees(reach * math.cos(bearing) / EARTH_RADIUS_M)
        lon = HOME[1] + math.degrees(reach * math.sin(bearing) / EARTH_RADIUS_M) / math.cos(
            math.radians(HOME[0])
        )
        points.append((f"IMG_{i:05d}.jpg", lat, lon, None))
    return points


def best_of(runs: int, job: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def tiny_jpeg(lat: float, lon: float) -> bytes:
    """An 8x8 JPEG whose EXIF holds a GPS position, as a phone writes it."""
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[3] = "N", "W"
    for tag, value in ((2, abs(lat)), (4, abs(lon))):
        degrees = int(value)
        minutes = (value - degrees) * 60
        gps[tag] = (float(degrees), float(int(minutes)), round((minutes - int(minutes)) * 60, 4))
    path = Path(tempfile.gettempdir()) / "bench_cluster_seed.jpg"
    Image.new("RGB", (8, 8)).save(path, "JPEG", exif=exif)
    return path.read_bytes()


def whole_scan(count: int) -> tuple[float, float | None]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, lat, lon, _ in around(count, 40):
            (folder / name).write_bytes(tiny_jpeg(lat, lon))
        command = [sys.executable, "-m", "lowprofile", "photos", "scan", str(folder), "--json"]
        start = time.perf_counter()
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
        ours = time.perf_counter() - start
        exiftool = shutil.which("exiftool")
        theirs = None
        if exiftool:
            start = time.perf_counter()
            subprocess.run(  # noqa: S603
                [exiftool, "-n", "-r", "-gps:all", str(folder)],
                check=False,
                stdout=subprocess.DEVNULL,
            )
            theirs = time.perf_counter() - start
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8_000)
    args = parser.parse_args()
    print(f"{'photos':>7}{'within 40 m (s)':>18}{'over 40 km (s)':>17}{'places at home':>16}")
    for count in SIZES:
        dense, spread = around(count, 40), around(count, 40_000)
        dense_s = best_of(3, lambda: cluster_points(dense, HOME))  # noqa: B023
        spread_s = best_of(3, lambda: cluster_points(spread, HOME))  # noqa: B023
        found = len(cluster_points(dense, HOME))
        print(f"{count:>7}{dense_s:>18.3f}{spread_s:>17.3f}{found:>16}")
    ours, theirs = whole_scan(args.files)
    print(f"\nphotos scan of {args.files:,} JPEGs within 40 m of one home (whole process):")
    print(f"  lowprofile photos scan DIR --json   {ours:7.2f} s")
    if theirs is not None:
        print(f"  exiftool -n -r -gps:all DIR         {theirs:7.2f} s   ({theirs / ours:.1f}x)")
    else:
        print("  exiftool                            not installed")


if __name__ == "__main__":
    main()
