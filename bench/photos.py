"""Photo scan and strip speed, lowprofile beside exiftool, in one run.

Replicates the team's real sample photos (../shared/data/photos, or a folder given as the first
argument) to at least 2,000 files in a temporary folder, then times, each as one process over the
whole set:

* scan:  ``lowprofile`` reading every file's metadata, vs ``exiftool -n -r -gps:all DIR``
* strip: ``lowprofile`` cleaning every JPEG copy, vs
  ``exiftool -all= -tagsfromfile @ -orientation -icc_profile`` on the same copies
* XMP:   the same scan over as many small JPEGs each carrying a 20 kB XMP packet of the kind
  Lightroom writes (names, contact, places, a long edit history), vs exiftool reading every tag
  (``-n -r -xmp:all``); this is the path issue 17 found spending 2.8 s of a 6.6 s scan

and prints files per second for both and the ratio. Target: at least 3x exiftool for both.

Run: python bench/photos.py [SAMPLES_DIR] [--files N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLES = ROOT.parent / "shared" / "data" / "photos"


def replicate(samples: Path, target: Path, count: int) -> list[Path]:
    sources = [p for p in sorted(samples.rglob("*")) if p.is_file() and p.suffix != ".json"]
    sources = [p for p in sources if p.suffix.lower() != ".md"]
    copies = []
    i = 0
    while len(copies) < count:
        for source in sources:
            copy = target / f"{i:05d}_{source.name.replace(' ', '_')}"
            shutil.copyfile(source, copy)
            copies.append(copy)
            i += 1
            if len(copies) >= count:
                break
    return copies


def xmp_packet() -> bytes:
    """A Lightroom-like packet: identifying fields plus a long edit history (most of the bytes)."""
    history = "".join(
        f'<rdf:li stEvt:action="saved" stEvt:instanceID="xmp.iid:{i:032x}" '
        f'stEvt:when="2026-05-01T12:{i % 60:02d}:00" stEvt:softwareAgent="Lightroom" '
        f'stEvt:changed="/metadata"/>'
        for i in range(80)
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:aux="http://ns.adobe.com/exif/1.0/aux/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
        'exif:GPSLatitude="30,16.2000N" exif:GPSLongitude="97,44.4000W" '
        'exif:DateTimeOriginal="2026-05-01T12:00:00" aux:SerialNumber="SN-0042" '
        'photoshop:City="Austin" photoshop:State="TX">'
        "<dc:creator><rdf:Seq><rdf:li>Jane Example</rdf:li></rdf:Seq></dc:creator>"
        '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">(c) Jane</rdf:li></rdf:Alt></dc:rights>'
        '<Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiEmailWork="jane@example.com" '
        'Iptc4xmpCore:CiAdrCity="Austin"/>'
        f"<xmpMM:History><rdf:Seq>{history}</rdf:Seq></xmpMM:History>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def xmp_jpegs(target: Path, count: int) -> list[Path]:
    """``count`` tiny JPEGs, each with the packet in its APP1 segment."""
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet()
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    tail = bytes.fromhex("ffdb004300" + "01" * 64) + b"\xff\xda\x00\x02\x00\xff\xd9"
    paths = []
    for i in range(count):
        path = target / f"{i:05d}.jpg"
        path.write_bytes(b"\xff\xd8" + segment + tail)
        paths.append(path)
    return paths


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", nargs="?", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    if not args.samples.is_dir():
        sys.exit(f"no sample folder at {args.samples}")
    exiftool = shutil.which("exiftool")
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        scan_dir = Path(tmp) / "scan"
        scan_dir.mkdir()
        files = replicate(args.samples, scan_dir, args.files)
        jpegs = [f for f in files if f.read_bytes()[:3] == b"\xff\xd8\xff"]
        ours_dir, theirs_dir = Path(tmp) / "strip_ours", Path(tmp) / "strip_exiftool"
        for folder in (ours_dir, theirs_dir):
            folder.mkdir()
            for f in jpegs:
                shutil.copyfile(f, folder / f.name)

        scan_code = (
            "import sys; from pathlib import Path\n"
            "from lowprofile.metadata.library import scan_library\n"
            "scan_library([Path(sys.argv[1])])\n"
        )
        strip_code = (  # what ``photos strip DIR --in-place`` runs: one batch, one folder fsync
            "import sys; from pathlib import Path\n"
            "from lowprofile.metadata.strip_plan import run_strip\n"
            "run_strip([Path(sys.argv[1])], in_place=True)\n"
        )
        rows = []
        ours = timed([python, "-c", scan_code, str(scan_dir)])
        theirs = timed([exiftool, "-n", "-r", "-gps:all", str(scan_dir)]) if exiftool else None
        rows.append(("scan", len(files), ours, theirs))
        ours = timed([python, "-c", strip_code, str(ours_dir)])
        theirs = None
        if exiftool:
            theirs = timed([exiftool, "-q", "-q", "-overwrite_original", "-all=", "-tagsfromfile",
                            "@", "-orientation", "-icc_profile", str(theirs_dir)])  # fmt: skip
        rows.append(("strip (JPEG)", len(jpegs), ours, theirs))
        xmp_dir = Path(tmp) / "xmp"
        xmp_dir.mkdir()
        xmp_files = xmp_jpegs(xmp_dir, args.files)
        ours = timed([python, "-c", scan_code, str(xmp_dir)])
        theirs = timed([exiftool, "-n", "-r", "-xmp:all", str(xmp_dir)]) if exiftool else None
        rows.append(("scan (XMP)", len(xmp_files), ours, theirs))

    print(f"{'task':<14}{'files':>7}{'lowprofile files/s':>20}{'exiftool files/s':>18}{'ratio':>8}")
    for task, count, ours, theirs in rows:
        ours_rate = count / ours
        theirs_rate = f"{count / theirs:>18.0f}" if theirs else f"{'not installed':>18}"
        ratio = f"{(count / ours) / (count / theirs):>7.1f}x" if theirs else f"{'-':>8}"
        print(f"{task:<14}{count:>7}{ours_rate:>20.0f}{theirs_rate}{ratio}")
    print("(each figure is one process over the whole set, start-up included)")
    print(f"XMP packet: {len(xmp_packet()):,} bytes")


if __name__ == "__main__":
    main()
