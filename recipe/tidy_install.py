"""Run by recipe.yaml after `pip install .`: removes what records the build machine.

- `direct_url.json` names the build's source directory (a file:// URL);
- maturin's CycloneDX SBOM (`.dist-info/sboms/*.json`) identifies the crate by its local path:
  that path becomes `/src` (what the unix build remaps it to in the extension too);
- the console scripts pip wrote into bin/ (Scripts/ on Windows) name the build's python; the
  recipe's `python.entry_points` creates them per environment at install time instead.

RECORD is kept consistent. Reads PREFIX, SP_DIR and SRC_DIR from the build environment.

    python recipe/tidy_install.py django_bolt
"""

from __future__ import annotations

import base64
import configparser
import csv
import hashlib
import io
import os
import sys
from pathlib import Path


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main() -> int:
    dist = sys.argv[1]
    prefix, site, src = Path(os.environ["PREFIX"]), Path(os.environ["SP_DIR"]), os.environ["SRC_DIR"]
    (dist_info,) = site.glob(f"{dist}-*.dist-info")
    removed: set[Path] = set()
    changed: set[Path] = set()

    direct_url = dist_info / "direct_url.json"
    if direct_url.exists():
        direct_url.unlink()
        removed.add(direct_url)

    # longest spellings first: C:\bld\x\work, C:/bld/x/work, /C:/bld/x/work (file:///C:/...)
    spellings = sorted({src, src.replace("\\", "/"), "/" + src.replace("\\", "/").lstrip("/")}, key=len, reverse=True)
    for sbom in sorted((dist_info / "sboms").glob("*.json")):
        text = original = sbom.read_text(encoding="utf-8")
        for spelling in spellings:
            text = text.replace(spelling, "/src")
        if text != original:
            sbom.write_text(text, encoding="utf-8")
            changed.add(sbom)

    entry_points = configparser.ConfigParser(delimiters=("=",))
    entry_points.optionxform = str  # keep the case of script names
    entry_points.read(dist_info / "entry_points.txt", encoding="utf-8")
    for name in entry_points["console_scripts"] if entry_points.has_section("console_scripts") else []:
        for script in (
            prefix / "bin" / name,
            prefix / "Scripts" / f"{name}.exe",
            prefix / "Scripts" / f"{name}-script.py",
        ):
            if script.exists():
                script.unlink()
                removed.add(script)

    record = dist_info / "RECORD"
    rows = []
    for row in csv.reader(io.StringIO(record.read_text(encoding="utf-8"))):
        if not row:
            continue
        path = (site / row[0]).resolve()
        if path in {p.resolve() for p in removed}:
            continue
        if path in {p.resolve() for p in changed}:
            data = path.read_bytes()
            row = [row[0], record_hash(data), str(len(data))]
        rows.append(row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    record.write_text(out.getvalue(), encoding="utf-8")

    for path in sorted(removed):
        print(f"tidy_install: removed {path.relative_to(prefix)}")
    for path in sorted(changed):
        print(f"tidy_install: build directory -> /src in {path.relative_to(prefix)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
