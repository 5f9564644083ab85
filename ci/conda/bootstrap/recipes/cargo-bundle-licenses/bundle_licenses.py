"""Stand-in for `cargo-bundle-licenses --format yaml --output FILE` (offline CI bootstrap only).

Writes one entry per third-party crate that goes into the build (normal and build dependencies
of the workspace for the target being built, not dev-dependencies), with its SPDX expression
and the text of every LICENSE*/COPYING*/NOTICE* file the crate ships, in the layout of the real
tool's YAML output. Crate sources come from cargo's own download (CARGO_HOME).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys

LICENSE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "UNLICENSE")


def quote(text: str) -> str:
    # JSON strings are valid YAML double-quoted scalars.
    return json.dumps(text, ensure_ascii=False)


def main() -> int:
    parser = argparse.ArgumentParser(prog="cargo-bundle-licenses")
    parser.add_argument("--format", default="yaml", choices=["yaml"])
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    cargo = os.environ.get("CARGO", "cargo")
    command = [cargo, "metadata", "--format-version", "1", "--locked"]
    target = os.environ.get("CARGO_BUILD_TARGET")
    if target:
        command += ["--filter-platform", target]
    meta = json.loads(subprocess.check_output(command))

    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    members = set(meta["workspace_members"])
    seen: set[str] = set()
    stack = list(members)
    while stack:
        node = nodes[stack.pop()]
        for dep in node["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds <= {"dev"} or dep["pkg"] in seen:
                continue
            seen.add(dep["pkg"])
            stack.append(dep["pkg"])

    root = packages[sorted(members)[0]]["name"]
    out = ["---", f"root_name: {root}", "third_party_libraries:"]
    missing = []
    for pkg in sorted((packages[i] for i in seen - members), key=lambda p: (p["name"], p["version"])):
        crate_dir = pathlib.Path(pkg["manifest_path"]).parent
        texts = sorted(f for f in crate_dir.iterdir() if f.is_file() and f.name.upper().startswith(LICENSE_PREFIXES))
        out += [
            f"  - package_name: {pkg['name']}",
            f"    package_version: {pkg['version']}",
            f"    repository: {quote(pkg.get('repository') or '')}",
            f"    license: {quote(pkg.get('license') or 'UNKNOWN')}",
            "    licenses:",
        ]
        for path in texts:
            out += [
                f"      - license: {quote(path.name)}",
                f"        text: {quote(path.read_text(encoding='utf-8', errors='replace'))}",
            ]
        if not texts:
            out[-1] = "    licenses: []"
            missing.append(f"{pkg['name']} {pkg['version']}")
    pathlib.Path(args.output).write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"cargo-bundle-licenses (bootstrap stand-in): {len(seen - members)} crates -> {args.output}")
    for name in missing:
        print(f"warning: {name} ships no license file; only its SPDX expression is recorded", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
