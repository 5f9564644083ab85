"""Checks a built wheel or sdist before it is installed and tested.

    python ci/check_dist.py wheel DIST.whl --platform manylinux_2_17_x86_64 --max-glibc 2.17
    python ci/check_dist.py sdist DIST.tar.gz

The wheel check reads the extension's ELF dynamic section and GNU version needs itself, so it
does not depend on auditwheel (ci/test.sh runs `auditwheel show` as a second opinion).
"""

from __future__ import annotations

import argparse
import re
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]

# Libraries a manylinux wheel may link without bundling them (PEP 599's list, as far as a Rust
# extension can need it).
MANYLINUX_LIBS = {
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libgcc_s.so.1",
    "libutil.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
}

SHT_DYNAMIC = 6
SHT_GNU_VERNEED = 0x6FFFFFFE
DT_NEEDED = 1


def fail(message: str) -> None:
    print(f"check_dist: {message}", file=sys.stderr)
    sys.exit(1)


def project_version() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    match = re.search(r'^\[project\][^\[]*?^version\s*=\s*"([^"]+)"', text, re.M | re.S)
    if not match:
        fail("no [project] version in pyproject.toml")
    return match.group(1)


class Elf:
    """Just enough of a 64-bit little-endian ELF reader for DT_NEEDED and version needs."""

    def __init__(self, data: bytes):
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            fail("the extension is not a 64-bit little-endian ELF file")
        self.data = data
        (shoff,) = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        self.sections = []
        for i in range(shnum):
            name, kind, _flags, _addr, offset, size, link, _info, _align, entsize = struct.unpack_from(
                "<IIQQQQIIQQ", data, shoff + i * shentsize
            )
            self.sections.append((kind, offset, size, link, entsize))

    def string(self, section: int, offset: int) -> str:
        start = self.sections[section][1] + offset
        end = self.data.index(b"\0", start)
        return self.data[start:end].decode()

    def needed(self) -> list[str]:
        names = []
        for kind, offset, size, link, _ in self.sections:
            if kind != SHT_DYNAMIC:
                continue
            for pos in range(offset, offset + size, 16):
                tag, value = struct.unpack_from("<qQ", self.data, pos)
                if tag == DT_NEEDED:
                    names.append(self.string(link, value))
        return names

    def version_needs(self) -> dict[str, set[str]]:
        """Library -> the symbol versions (GLIBC_2.17, ...) the file needs from it."""
        needs: dict[str, set[str]] = {}
        for kind, offset, _size, link, _ in self.sections:
            if kind != SHT_GNU_VERNEED:
                continue
            pos = offset
            while True:
                _version, count, file, aux, next_ = struct.unpack_from("<HHIII", self.data, pos)
                versions = needs.setdefault(self.string(link, file), set())
                apos = pos + aux
                for _ in range(count):
                    _hash, _flags, _other, name, anext = struct.unpack_from("<IHHII", self.data, apos)
                    versions.add(self.string(link, name))
                    apos += anext
                if not next_:
                    break
                pos += next_
        return needs


def version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def check_wheel(path: Path, platform_tag: str, max_glibc: str | None) -> None:
    version = project_version()
    name = path.name
    if not name.startswith(f"django_bolt-{version}-cp310-abi3-"):
        fail(f"{name}: expected django_bolt-{version}-cp310-abi3-* (one abi3 wheel for CPython >= 3.10)")
    platforms = name[: -len(".whl")].split("-")[-1].split(".")
    if platform_tag not in platforms:
        fail(f"{name}: platform tags {platforms} lack {platform_tag}")
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        # _core.abi3.so on Linux and macOS; Windows has no abi3 infix: _core.pyd.
        extensions = [n for n in names if re.fullmatch(r"django_bolt/_core(\.abi3\.so|\.pyd)", n)]
        if len(extensions) != 1:
            fail(f"{name}: expected one django_bolt/_core extension module, found {extensions}")
        meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
        tags = re.findall(r"^Tag: (\S+)$", wheel.read(meta).decode(), re.M)
        if f"cp310-abi3-{platform_tag}" not in tags:
            fail(f"{name}: WHEEL metadata tags {tags} lack cp310-abi3-{platform_tag}")
        for required in ("django_bolt/__init__.py", "django_bolt/_core.pyi", "django_bolt/py.typed"):
            if required not in names:
                fail(f"{name}: {required} missing")
        stray = [n for n in names if n.startswith(("tests/", "src/", "django_bolt/tests"))]
        if stray:
            fail(f"{name}: unexpected files {stray[:5]}")
        data = wheel.read(extensions[0])
    print(f"{name}: {len(names)} files, extension {extensions[0]} ({len(data) // 1024} KiB), tags {tags}")
    if not extensions[0].endswith(".so") or not platform_tag.startswith("manylinux"):
        return
    elf = Elf(data)
    needed = elf.needed()
    print(f"  DT_NEEDED: {', '.join(needed)}")
    extra = [lib for lib in needed if lib not in MANYLINUX_LIBS]
    if extra:
        fail(f"{name}: links libraries outside the manylinux set: {extra} (libpython must not be linked)")
    glibc = {v for versions in elf.version_needs().values() for v in versions if v.startswith("GLIBC_")}
    newest = max((v.removeprefix("GLIBC_") for v in glibc if v != "GLIBC_PRIVATE"), key=version_key)
    print(f"  glibc symbol versions: {len(glibc)}, newest GLIBC_{newest}")
    if "GLIBC_PRIVATE" in glibc:
        fail(f"{name}: needs GLIBC_PRIVATE symbols")
    if max_glibc and version_key(newest) > version_key(max_glibc):
        fail(f"{name}: needs GLIBC_{newest}, newer than the {max_glibc} its tag promises")


def check_sdist(path: Path) -> None:
    version = project_version()
    top = f"django_bolt-{version}"
    if path.name != f"{top}.tar.gz":
        fail(f"{path.name}: expected {top}.tar.gz")
    with tarfile.open(path) as sdist:
        members = {str(PurePosixPath(m.name).relative_to(top)) for m in sdist.getmembers() if m.isfile()}
        pkg_info = sdist.extractfile(f"{top}/PKG-INFO").read().decode()
    required = [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "pyproject.toml",
        "LICENSE",
        "README.md",
        "PKG-INFO",
        "src/lib.rs",
        "src/build_info.rs",
        "python/django_bolt/__init__.py",
        "python/django_bolt/_core.pyi",
        "python/django_bolt/py.typed",
    ]
    missing = [f for f in required if f not in members]
    # Every tracked file of the crate and the Python package, when this is a git checkout.
    tracked = subprocess.run(
        ["git", "ls-files", "src", "python"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if tracked.returncode == 0:
        missing += [f for f in tracked.stdout.split() if f not in members and (ROOT / f).exists()]
    if missing:
        fail(f"{path.name}: missing {sorted(set(missing))}")
    stray = [m for m in members if m.startswith(("target/", ".ci-work/")) or m.endswith((".so", ".pyd"))]
    if stray:
        fail(f"{path.name}: build products inside: {sorted(stray)[:5]}")
    if f"\nVersion: {version}\n" not in pkg_info:
        fail(f"{path.name}: PKG-INFO does not say Version: {version}")
    print(f"{path.name}: {len(members)} files, Cargo.lock, src/, python/, LICENSE, README.md, pyproject.toml present")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="kind", required=True)
    wheel = sub.add_parser("wheel")
    wheel.add_argument("path", type=Path)
    wheel.add_argument("--platform", required=True, help="a platform tag the wheel must carry")
    wheel.add_argument("--max-glibc", help="newest GLIBC_x.y symbol version allowed")
    sdist = sub.add_parser("sdist")
    sdist.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.kind == "wheel":
        check_wheel(args.path, args.platform, args.max_glibc)
    else:
        check_sdist(args.path)


if __name__ == "__main__":
    main()
