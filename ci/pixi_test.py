"""`pixi run test`: the test suite in a pixi environment, the same on all five platforms.

1. Builds the extension into the active environment with the toolchain the environment itself
   holds (pixi.toml's `rust`, `c-compiler`, `maturin` and `pip` from conda-forge): pip installs
   this checkout without build isolation or dependencies, so maturin, cargo and the linker are the
   environment's, never a pip-installed or system one. Profile quick-release (a user's
   `pip install .` builds the release profile).
2. Runs the pytest suite from the repository root against that installed package, with the
   environment's conda-forge test dependencies (redis-server where conda-forge has one). Tests
   that need a service the platform lacks (redis-server on Windows, a Chromium) skip and say why.

Arguments are passed on to pytest (`pixi run test -k websocket`). One Python script instead of a
shell command line, so that it runs the same under Windows' cmd as under Linux and macOS.
On Linux the skips are budgeted as CI stage "pixi" (tests/skips.py): an unexpected skip fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = Path(sys.prefix).resolve()


def inside_prefix(path: str | None) -> bool:
    return path is not None and Path(path).resolve().is_relative_to(PREFIX)


def check_toolchain() -> None:
    """The build must use the environment's toolchain: pixi puts its directories first on PATH."""
    found = {tool: shutil.which(tool) for tool in ("cargo", "rustc", "maturin")}
    outside = {tool: path for tool, path in found.items() if not inside_prefix(path)}
    if outside:
        sys.exit(
            f"pixi_test: {', '.join(outside)} not found in this environment ({PREFIX}): {outside}. "
            "Run it as `pixi run test` (pixi.toml's build feature provides rust, c-compiler and maturin)."
        )
    for tool, path in found.items():
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"pixi_test: {tool}: {version} ({path})", flush=True)


def build() -> None:
    started = time.monotonic()
    print("pixi_test: building the extension into the environment (cargo progress below)", flush=True)
    env = dict(os.environ, MATURIN_PEP517_ARGS="--profile quick-release")
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    command += ["--disable-pip-version-check", "--no-cache-dir", "-v", str(ROOT)]
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    # the package must come from the environment, not from the checkout's python/ directory
    where = subprocess.run(
        [sys.executable, "-c", "import django_bolt; print(django_bolt.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.strip()
    if not inside_prefix(where):
        sys.exit(f"pixi_test: django_bolt imports from {where}, not from the environment {PREFIX}")
    print(f"pixi_test: built and installed in {time.monotonic() - started:.0f}s: {where}", flush=True)


def main() -> int:
    print(f"pixi_test: environment {PREFIX}, Python {sys.version.split()[0]} on {sys.platform}", flush=True)
    check_toolchain()
    build()
    env = dict(os.environ, BOLT_EXPECT_PROFILE="quick-release")
    if sys.platform.startswith("linux"):
        env.setdefault("BOLT_TEST_STAGE", "pixi")
    pytest_args = sys.argv[1:] or ["-q"]
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *pytest_args]
    print(f"pixi_test: {' '.join(command[1:])}", flush=True)
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
