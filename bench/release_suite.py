"""Runs the public django-bolt release's own test suite against this project.

    python bench/release_suite.py                      # this interpreter, release 0.13.0
    python bench/release_suite.py --python /path/to/venv/bin/python --json out.json
    python bench/release_suite.py -- -k cookies        # extra arguments go to pytest

The release's sdist is downloaded with pip into a scratch folder outside the repository (nothing
of it is ever copied into this repository), only its `python/tests` folder and `pytest.ini` are
extracted there, and pytest runs them from that folder with the chosen interpreter. The release's
own package (`python/django_bolt` in the sdist) is never extracted, so `import django_bolt`
resolves to the project installed in that interpreter.

The interpreter needs this project installed plus the release suite's test dependencies:
pytest-django pytest-asyncio pytest-timeout httpx pydantic pyyaml hypothesis cryptography
openapi-spec-validator zstandard brotlicffi django-debug-toolbar django-allauth.

Prints passed/failed/errors/skipped and a per-file table (files with failures first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MARKERS = "not artifact_smoke and not postgres"


def download_sdist(python: str, version: str, dest: Path) -> Path:
    """The release's sdist in `dest` (reused if already there)."""
    name = f"django_bolt-{version}.tar.gz"
    target = dest / name
    if target.exists():
        return target
    env = dict(os.environ)
    # pip prepares the sdist's metadata, which runs maturin; the sdist pins a Rust toolchain in
    # rust-toolchain.toml that is usually not installed, so use whatever rustup has as default.
    env.setdefault("RUSTUP_TOOLCHAIN", "stable")
    cmd = [python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    # Without build isolation pip uses the interpreter's own maturin (offline-friendly, faster).
    has_maturin = subprocess.run([python, "-c", "import maturin"], capture_output=True).returncode == 0
    if has_maturin:
        cmd.append("--no-build-isolation")
    cmd += [f"django-bolt=={version}", "-d", str(dest)]
    subprocess.run(cmd, check=True, env=env)
    if not target.exists():
        raise SystemExit(f"pip did not produce {target}")
    return target


def extract_tests(sdist: Path, dest: Path) -> Path:
    """Extract python/tests and pytest.ini of the sdist into dest/suite; return that folder."""
    suite = dest / "suite"
    if suite.exists():
        shutil.rmtree(suite)
    suite.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts[1:]  # drop "django_bolt-X.Y.Z/"
            if not parts:
                continue
            keep = parts == ("pytest.ini",) or parts[:2] == ("python", "tests")
            if not keep or not (member.isfile() or member.isdir()):
                continue
            member.name = str(PurePosixPath(*parts))
            tar.extract(member, suite, filter="data")
    if not (suite / "python" / "tests").is_dir():
        raise SystemExit(f"{sdist} has no python/tests")
    return suite


def file_of(case: ET.Element) -> str:
    """The test file a junit <testcase> belongs to (collection errors carry the module as name)."""
    if case.get("file"):
        return case.get("file")
    classname = case.get("classname") or ""
    dotted = classname or case.get("name", "")
    parts = dotted.split(".")
    # classname is "python.tests.pkg.test_mod[.Class]": keep up to the test_* module.
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].startswith("test_") or parts[i] == "conftest":
            return "/".join(parts[: i + 1]) + ".py"
    return "/".join(parts) + ".py" if parts else "?"


def parse_junit(path: Path) -> dict[str, dict[str, int]]:
    per_file: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag == "failure":
                outcome = "failed"
            elif child.tag == "error":
                # An error with no test name (classname empty) is a collection error.
                outcome = "errors"
            elif child.tag == "skipped":
                is_xfail = (child.get("type") or "") == "pytest.xfail"
                outcome = "xfailed" if is_xfail else "skipped"
        per_file[file_of(case)][outcome] += 1
    return {f: dict(c) for f, c in per_file.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="interpreter with this project installed")
    parser.add_argument("--version", default="0.13.0", help="release whose suite to run")
    parser.add_argument("--workdir", help="scratch folder (default: a temp folder, kept for reruns)")
    parser.add_argument("--timeout", type=int, default=30, help="pytest-timeout per test (seconds)")
    parser.add_argument("--markers", default=DEFAULT_MARKERS, help="pytest -m expression")
    parser.add_argument("--json", help="write the counts and per-file table to this file")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()

    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / f"django-bolt-release-suite-{args.version}")
    workdir = workdir.resolve()
    if workdir == ROOT or ROOT in workdir.parents:
        raise SystemExit("the scratch folder must be outside the repository")
    workdir.mkdir(parents=True, exist_ok=True)

    sdist = download_sdist(args.python, args.version, workdir)
    suite = extract_tests(sdist, workdir)
    junit = workdir / "junit.xml"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # nothing from this repository may shadow the installed package
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the release's conftest configures Django itself
    if os.sep in args.python:
        # Its server tests start `python app.py runbolt`: `python` must be the interpreter under
        # test, as in an activated virtual environment.
        env["PATH"] = os.pathsep.join([str(Path(args.python).parent), env.get("PATH", "")])
    cmd = [
        args.python,
        "-m",
        "pytest",
        "python/tests",
        "-p",
        "no:cacheprovider",
        "--continue-on-collection-errors",
        "--timeout",
        str(args.timeout),
        "-m",
        args.markers,
        "-q",
        f"--junitxml={junit}",
        # pytest-asyncio >= 1.5 warns when this is unset, and the release's pytest.ini turns
        # warnings into errors; "function" is the value the plugin is moving to.
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        *args.pytest_args,
    ]
    print("+", " ".join(cmd), f"(in {suite})", flush=True)
    proc = subprocess.run(cmd, cwd=suite, env=env, capture_output=True, text=True)
    (workdir / "pytest-output.txt").write_text(proc.stdout + proc.stderr)
    tail = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else []
    if not junit.exists():
        print(proc.stdout[-4000:], proc.stderr[-4000:])
        raise SystemExit("pytest wrote no junit report")

    per_file = parse_junit(junit)
    totals: dict[str, int] = defaultdict(int)
    for counts in per_file.values():
        for k, v in counts.items():
            totals[k] += v
    cols = ["passed", "failed", "errors", "skipped", "xfailed"]
    rows = sorted(per_file.items(), key=lambda kv: (-(kv[1].get("failed", 0) + kv[1].get("errors", 0)), kv[0]))
    width = max((len(f) for f in per_file), default=10)
    print(f"{'file':<{width}}  " + "  ".join(f"{c:>7}" for c in cols))
    for f, counts in rows:
        print(f"{f:<{width}}  " + "  ".join(f"{counts.get(c, 0):>7}" for c in cols))
    summary = ", ".join(f"{totals.get(c, 0)} {c}" for c in cols)
    print(f"\nrelease {args.version} suite: {summary}")
    if tail:
        print("pytest:", tail[0])
    print(f"full output: {workdir / 'pytest-output.txt'}")
    if args.json:
        out = {
            "version": args.version,
            "python": args.python,
            "totals": {c: totals.get(c, 0) for c in cols},
            "files": dict(sorted(per_file.items())),
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
