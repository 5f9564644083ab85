"""The conda package built end to end on this machine, with no conda channel reachable.

1. bootstrap channel: this machine's toolchains repackaged under conda-forge's names (every
   usable CPython as `python`, the rustup toolchain as `rust_linux-64` and `rust`, gcc wrappers
   as `gcc_linux-64` and `c-compiler`, an empty `sysroot_linux-64`, redis-server, stand-ins for
   `cargo-bundle-licenses` and `python-abi3`) plus PyPI wheels of the recipe's host, run and test
   requirements, one conda package per wheel and CPython. Cached under WORK/bootstrap/<key>, the
   key hashing everything that goes into it.
2. recipe/recipe.yaml built against it by rattler-build, its tests included.
3. the package installed with its test requirements into a fresh environment per CPython but the
   newest, where pytest runs from the repository root: the whole suite on the oldest CPython, a
   smoke subset on the ones between (ci/test.sh runs the whole suite on each with the same abi3
   extension).
4. the simulated `pixi run test` on the newest CPython: an environment solved from pixi.toml's
   py3XX environment, activated, and the test task's command run in it (it builds the extension
   with the environment's toolchain and runs the whole suite).
5. the .conda inspected: layout, metadata, licenses, relocatability, no build paths.

Packages made this way are for testing only: never publish them.

    python ci/conda/offline_build.py --work DIR --python /path/to/python3.10 [--python ...]

Environment read: BOLT_CARGO_LTO / BOLT_CARGO_CGU / BOLT_CONDA_TEST_ARGS (see recipe.yaml),
BOLT_CONDA_SUITE_ARGS (pytest arguments in the fresh environments, all of them; default: none,
the whole suite on the oldest CPython and SMOKE between), BOLT_CONDA_JOBS (how many of those
suites run at once; default 1).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import inspect
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import time
import warnings
import zipfile

warnings.simplefilter("ignore")

import rattler  # noqa: E402
import rattler_build  # noqa: E402
from packaging.markers import default_environment  # noqa: E402
from packaging.requirements import Requirement  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402
from rattler.index import index_fs  # noqa: E402
from rattler.package_streaming import extract  # noqa: E402
from rattler_build import (  # noqa: E402
    PlatformConfig,
    RenderConfig,
    Stage0Recipe,
    ToolConfiguration,
    VariantConfig,
    assemble_package,
    build_recipes,
)
from rattler_build.progress import ProgressCallback  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
RECIPES = HERE / "bootstrap" / "recipes"
RECIPE = ROOT / "recipe" / "recipe.yaml"
SUBDIR = "linux-64"
# recipe requirements that the bootstrap toolchain packages provide, not PyPI
NOT_FROM_PYPI = {"python", "python-abi3"}
# conda-forge names that differ from the PyPI project's (the bootstrap packages take the conda name)
CONDA_TO_PYPI = {"redis-py": "redis", "brotli-python": "brotli"}
PYPI_TO_CONDA = {pypi: conda for conda, pypi in CONDA_TO_PYPI.items()}
# Environment of the caller that must not leak into the hermetic builds.
SCRUB = (
    "CARGO_TARGET_DIR",
    "CARGO_HOME",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTC_WRAPPER",
    "CARGO_BUILD_TARGET",
    "RUSTUP_TOOLCHAIN",
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
)

T0 = time.monotonic()
# One whole suite in a fresh environment takes ~3 min here; 20 min means it is stuck. The simulated
# `pixi run test` first builds the extension (cold: ~2 min on an idle 2-core machine, 11 min at
# load 16), so it gets 20 min more.
SUITE_LIMIT = 1200
BUILD_LIMIT = 1200


def log(message: str) -> None:
    print(f"[conda-offline {time.monotonic() - T0:6.0f}s] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs).stdout.strip()


class Failure(Exception):
    pass


# --------------------------------------------------------------------------- machine facts


def describe_python(path: str) -> dict | None:
    """Facts about one interpreter, or None if it is not a self-contained prefix we can repackage."""
    code = (
        "import json, sys, sysconfig; print(json.dumps({'version': '%d.%d.%d' % sys.version_info[:3],"
        " 'prefix': sys.base_prefix, 'impl': sys.implementation.name,"
        " 'shared': bool(sysconfig.get_config_var('Py_ENABLE_SHARED'))}))"
    )
    info = json.loads(run([path, "-c", code]))
    prefix = pathlib.Path(info["prefix"])
    mm = ".".join(info["version"].split(".")[:2])
    info["mm"] = mm
    info["path"] = path
    usable = (
        info["impl"] == "cpython"
        and prefix not in (pathlib.Path("/usr"), pathlib.Path("/"))
        and (prefix / "bin" / f"python{mm}").exists()
        and (prefix / "lib" / f"python{mm}" / "os.py").exists()
    )
    if not usable:
        log(f"skipping {path}: {prefix} is not a self-contained CPython prefix (e.g. a pyenv build)")
        return None
    return info


def toolchain_facts() -> dict:
    rustc = run(["rustc", "-vV"])
    fields = dict(line.split(": ", 1) for line in rustc.splitlines()[1:] if ": " in line)
    glibc = os.confstr("CS_GNU_LIBC_VERSION").split()[-1]
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise Failure("redis-server is not on PATH: the bootstrap channel repackages it (ci/conda.sh installs it)")
    redis_version = re.search(r"v=(\d+\.\d+\.\d+)", run([redis_server, "--version"]))
    return {
        "redis_server": redis_server,
        "redis_version": redis_version.group(1) if redis_version else "0.0.0",
        "rust_sysroot": run(["rustc", "--print", "sysroot"]),
        "rust_version": fields["release"],
        "rust_triple": fields["host"],
        "gcc_version": run(["gcc", "-dumpfullversion"]),
        "glibc": glibc,
        "rattler_build": rattler_build.rattler_build_version(),
    }


# --------------------------------------------------------------------------- channel helpers


class Channel:
    def __init__(self, path: pathlib.Path):
        self.path = path
        for sub in ("noarch", SUBDIR):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self.index()

    @property
    def uri(self) -> str:
        return self.path.as_uri()

    def index(self) -> None:
        # incremental: re-reading the 200 MB rust package on every call costs seconds
        asyncio.run(index_fs(self.path))

    def add_from(self, outdir: pathlib.Path) -> None:
        for pkg in outdir.glob("*/*.conda"):
            dest = self.path / pkg.parent.name / pkg.name
            if not dest.exists():
                shutil.copy2(pkg, dest)
        self.index()


def build_with_rattler(
    recipe: pathlib.Path,
    channel: Channel,
    outdir: pathlib.Path,
    *,
    test: str = "native",
    variants: list[str] | None = None,
) -> list[pathlib.Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.glob("*/*.conda"))
    build_recipes(
        [recipe],
        channel=[channel.uri],
        output_dir=outdir,
        test=test,
        variant_config=variants,
        ignore_recipe_variants=True,
        package_format="conda:1",
        no_build_id=False,
    )
    built = sorted(set(outdir.glob("*/*.conda")) - before)
    # build_recipes() succeeds without building anything when every variant is skipped
    if not built:
        raise Failure(f"rattler-build produced no package for {recipe} (all variants skipped?)")
    channel.add_from(outdir)
    return built


# --------------------------------------------------------------------------- PyPI wheels


def conda_to_pip(spec: str) -> str:
    name, _, constraint = spec.partition(" ")
    return CONDA_TO_PYPI.get(name, name) + constraint.replace(" ", "")


def recipe_test_requirements() -> list[str]:
    """The recipe's test requirements (conda specs, rendered for linux-64), python excluded: what
    the fresh environments install next to the package, so they test with what the recipe does."""
    rendered = render_recipe("linux-64", HERE / "variants" / "conda-forge-like.yaml")[0]["recipe"]
    specs = set()
    for test in rendered.get("tests", []):
        specs.update(s for s in test.get("requirements", {}).get("run", []) if s.split(" ", 1)[0] != "python")
    return sorted(specs)


def recipe_pypi_requirements() -> list[str]:
    """Host, run and test requirements of the recipe (rendered for linux-64) that come from PyPI."""
    rendered = render_recipe("linux-64", HERE / "variants" / "conda-forge-like.yaml")[0]["recipe"]
    specs = list(rendered["requirements"].get("host", [])) + list(rendered["requirements"].get("run", []))
    for test in rendered.get("tests", []):
        specs += test.get("requirements", {}).get("run", [])
    wanted: dict[str, str] = {}
    for spec in specs:
        name = spec.split(" ", 1)[0]
        if name in NOT_FROM_PYPI:
            continue
        wanted[spec] = conda_to_pip(spec)
    return sorted(set(wanted.values()))


def render_recipe(platform: str, variants: pathlib.Path) -> list[dict]:
    code = (
        "import sys, warnings; warnings.simplefilter('ignore'); from rattler_build import build_recipes;"
        "build_recipes([sys.argv[1]], variant_config=[sys.argv[2]], target_platform=sys.argv[3],"
        " build_platform=sys.argv[3], render_only=True, ignore_recipe_variants=True)"
    )
    out = run([sys.executable, "-c", code, str(RECIPE), str(variants), platform])
    return json.loads(out[out.index("[") :])


def marker_env(version: str) -> dict:
    """Environment markers of the repackaged CPython `version` (X.Y.Z): its full version, since
    e.g. redis needs async-timeout only below 3.11.3 (pip downloaded for the real interpreter)."""
    env = default_environment()
    env.update(
        python_version=".".join(version.split(".")[:2]),
        python_full_version=version,
        implementation_name="cpython",
        platform_python_implementation="CPython",
        sys_platform="linux",
        platform_system="Linux",
        os_name="posix",
        platform_machine="x86_64",
    )
    return env


def wheel_metadata(whl: pathlib.Path) -> dict:
    with zipfile.ZipFile(whl) as zf:
        meta_name = next(n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        text = zf.read(meta_name).decode("utf-8")
    headers: dict[str, list[str]] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        if ": " in line and not line.startswith((" ", "\t")):
            key, value = line.split(": ", 1)
            headers.setdefault(key, []).append(value)
    return {
        "name": canonicalize_name(headers["Name"][0]),
        "version": headers["Version"][0],
        "requires": [Requirement(r) for r in headers.get("Requires-Dist", [])],
        "requires_python": headers.get("Requires-Python", [""])[0].replace(" ", ""),
        "pure": whl.name.endswith("-none-any.whl"),
    }


def stage_wheel(whl: pathlib.Path, stage: pathlib.Path, site: str, scripts: str, python: str) -> None:
    """What `pip install --no-deps` would put into a prefix (site-packages at `site`), without pip."""
    with zipfile.ZipFile(whl) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            parts = info.filename.split("/")
            dest = stage / site / info.filename
            script = False
            if parts[0].endswith(".data") and len(parts) > 2:
                kind, rest = parts[1], "/".join(parts[2:])
                if kind == "scripts":
                    dest, script = stage / scripts / rest, True
                elif kind in ("purelib", "platlib"):
                    dest = stage / site / rest
                elif kind == "data":
                    dest = stage / rest
                else:
                    continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            data = zf.read(info)
            if script and data.startswith(b"#!python"):
                data = b"#!/usr/bin/env " + python.encode() + data[len(b"#!python") :]
            dest.write_bytes(data)
            mode = (info.external_attr >> 16) & 0o777
            if script:
                mode |= 0o755
            if mode:
                dest.chmod(mode)


def bootstrap_wheels(
    channel: Channel, wheels_dir: pathlib.Path, stage_root: pathlib.Path, pythons: list[dict], requirements: list[str]
) -> int:
    """PyPI wheels of the recipe's requirements as conda packages.

    A pure-python wheel whose dependencies are the same on every CPython that downloaded it
    becomes one noarch package (python constrained by its Requires-Python); every other wheel
    (compiled ones, and pure ones with python_version markers, e.g. pytest's backports) becomes
    one package per CPython."""
    log(f"PyPI requirements from the recipe: {' '.join(requirements)}")
    started = time.monotonic()
    downloads: dict[str, dict] = {}  # wheel file name -> metadata + {mm: evaluated depends}
    for info in pythons:
        mm = info["mm"]
        dest = wheels_dir / ("cp" + mm.replace(".", ""))
        dest.mkdir(parents=True, exist_ok=True)
        # pip evaluates environment markers for the interpreter it runs on, so each CPython
        # downloads its own set (python_version < "3.11" backports and so on)
        subprocess.run(
            [info["path"], "-m", "pip", "download", "-q", "--disable-pip-version-check", "--dest", str(dest)]
            + ["--only-binary=:all:", *requirements],
            check=True,
            env={k: v for k, v in os.environ.items() if k not in SCRUB},
        )
        here = {whl.name: (whl, wheel_metadata(whl)) for whl in sorted(dest.glob("*.whl"))}
        names = {meta["name"] for _, meta in here.values()}
        env = dict(marker_env(info["version"]), extra="")
        for file_name, (whl, meta) in here.items():
            depends = []
            for req in meta["requires"]:
                if req.marker is not None and not req.marker.evaluate(env):
                    continue
                dep = canonicalize_name(req.name)
                if dep not in names:
                    raise Failure(f"{file_name} needs {dep}, which pip did not download for {mm}")
                dep = PYPI_TO_CONDA.get(dep, dep)
                depends.append(f"{dep} {req.specifier}" if str(req.specifier) else dep)
            entry = downloads.setdefault(file_name, dict(meta, whl=whl, depends={}))
            entry["depends"][mm] = sorted(depends)
    log(f"{len(downloads)} distinct wheels downloaded for {len(pythons)} CPythons ({time.monotonic() - started:.0f}s)")

    started = time.monotonic()
    count = noarch = 0
    for file_name, entry in sorted(downloads.items()):
        per_python = entry["depends"]
        shared = entry["pure"] and len({tuple(d) for d in per_python.values()}) == 1
        if shared:
            python = f"python {entry['requires_python']}" if entry["requires_python"] else "python"
            builds = [("noarch", "pyh_boot", [python, *next(iter(per_python.values()))], "site-packages", None)]
        else:
            builds = [
                (
                    SUBDIR,
                    f"cp{mm.replace('.', '')}_boot",
                    [f"python {mm}.*", *deps],
                    f"lib/python{mm}/site-packages",
                    mm,
                )
                for mm, deps in sorted(per_python.items())
            ]
        for subdir, build, depends, site, mm in builds:
            stage = stage_root / f"{entry['name']}-{build}"
            shutil.rmtree(stage, ignore_errors=True)
            scripts = "bin" if mm else "python-scripts"
            stage_wheel(entry["whl"], stage, site, scripts, f"python{mm}" if mm else "python")
            assemble_package(
                name=PYPI_TO_CONDA.get(entry["name"], entry["name"]),
                version=entry["version"],
                target_platform=subdir,
                build_string=build,
                output_dir=channel.path / subdir,
                files_dir=stage,
                depends=depends,
                noarch="python" if subdir == "noarch" else None,
                license="LicenseRef-see-wheel",
                summary=f"{file_name} repackaged (offline CI only)",
                compression_level=1,
                detect_prefix=False,
            )
            shutil.rmtree(stage)
            count += 1
            noarch += subdir == "noarch"
    channel.index()
    log(f"{count} conda packages made from them ({noarch} noarch) in {time.monotonic() - started:.0f}s")
    return count


# --------------------------------------------------------------------------- stages


def bootstrap(work: pathlib.Path, pythons: list[dict], facts: dict, fresh: bool) -> tuple[Channel, bool]:
    key_material = hashlib.sha256()
    for path in sorted(p for p in (HERE / "bootstrap").rglob("*") if p.is_file()):
        key_material.update(path.relative_to(HERE).as_posix().encode() + path.read_bytes())
    # the code that makes the channel, and what it is made from (not the rest of this file)
    for func in (bootstrap, bootstrap_wheels, stage_wheel, wheel_metadata, marker_env, Channel, build_with_rattler):
        key_material.update(inspect.getsource(func).encode())
    requirements = recipe_pypi_requirements()
    key_material.update(json.dumps([facts, requirements, [(p["version"], p["prefix"]) for p in pythons]]).encode())
    key = key_material.hexdigest()[:16]
    base = work / "bootstrap" / key
    done = base / "complete"
    if fresh:
        shutil.rmtree(work / "bootstrap", ignore_errors=True)
    if done.exists():
        log(f"bootstrap channel {base} reused (key {key})")
        return Channel(base / "channel"), True
    shutil.rmtree(base, ignore_errors=True)
    channel = Channel(base / "channel")
    out = base / "out"
    python_min = pythons[0]
    for info in pythons:
        os.environ.update(BOOT_PY_PREFIX=info["prefix"], BOOT_PY_VERSION=info["version"])
        build_with_rattler(RECIPES / "python" / "recipe.yaml", channel, out)
        log(f"python {info['version']} repackaged from {info['prefix']}")
    os.environ.update(
        BOOT_RUST_SYSROOT=facts["rust_sysroot"],
        BOOT_RUST_VERSION=facts["rust_version"],
        BOOT_RUST_TRIPLE=facts["rust_triple"],
        BOOT_GCC_VERSION=facts["gcc_version"],
        BOOT_GLIBC_VERSION=facts["glibc"],
        BOOT_ABI3_MIN=python_min["mm"],
        BOOT_REDIS_SERVER=facts["redis_server"],
        BOOT_REDIS_VERSION=facts["redis_version"],
    )
    for name, test in (
        ("gcc", "native"),
        ("rust", "native"),
        ("sysroot", "skip"),
        ("cargo-bundle-licenses", "skip"),
        ("python-abi3", "skip"),
        # what pixi.toml's build and test features name (the simulated `pixi run test`)
        ("c-compiler", "skip"),
        ("rust-meta", "skip"),
        ("redis-server", "native"),
    ):
        build_with_rattler(RECIPES / name / "recipe.yaml", channel, out, test=test)
        log(f"{name} packaged")
    bootstrap_wheels(channel, base / "wheels", base / "stage", pythons, requirements)
    shutil.rmtree(out, ignore_errors=True)
    done.write_text(key + "\n")
    return channel, False


def write_bootstrap_variants(path: pathlib.Path, python_min: dict, facts: dict) -> None:
    rust_mm = ".".join(facts["rust_version"].split(".")[:2])
    path.write_text(
        "# generated by ci/conda/offline_build.py: the versions the bootstrap channel holds\n"
        f'python: ["{python_min["mm"]}"]\n'
        "is_abi3: [true]\n"
        "c_compiler: [gcc]\n"
        f'c_compiler_version: ["{facts["gcc_version"].split(".")[0]}"]\n'
        "c_stdlib: [sysroot]\n"
        f'c_stdlib_version: ["{facts["glibc"]}"]\n'
        "rust_compiler: [rust]\n"
        f'rust_compiler_version: ["{rust_mm}"]\n'
    )


class StreamLog(ProgressCallback):
    """rattler-build's log, streamed into ours (build_recipes() would keep it to itself)."""

    def on_build_step(self, event) -> None:
        log(f"rattler-build: {event.step_name}: {event.message}")

    def on_log(self, event) -> None:
        for line in str(event.message).splitlines():
            print(f"    | {line}", flush=True)

    def on_download_start(self, event) -> None:
        pass

    def on_download_progress(self, event) -> None:
        pass

    def on_download_complete(self, event) -> None:
        pass


def build_project(work: pathlib.Path, channel: Channel, variants: pathlib.Path, python_min: dict) -> pathlib.Path:
    outdir = work / "project-out"
    shutil.rmtree(outdir, ignore_errors=True)
    # a rebuilt package with the same name and build string would be served from the cache
    cache = pathlib.Path(os.environ["RATTLER_CACHE_DIR"]) / "pkgs"
    for stale in cache.glob("django-bolt-*"):
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink()
    recipe = Stage0Recipe.from_file(RECIPE)
    rendered = recipe.render(
        VariantConfig.from_file(variants), RenderConfig(platform=PlatformConfig(target_platform=SUBDIR))
    )
    # This API does not apply build.skip (build_recipes() does, but keeps the log to itself): the
    # bootstrap variants hold python_min only, so the one rendered variant is the real build.
    pythons = [str(v.variant.get("python")) for v in rendered]
    if pythons != [python_min["mm"]]:
        raise Failure(f"expected one variant on python {python_min['mm']}, rendered {pythons}")
    result = rendered[0].run_build(
        tool_config=ToolConfiguration(test_strategy="native"),
        output_dir=outdir,
        channels=[channel.uri],
        progress_callback=StreamLog(),
        package_format="conda:1",
    )
    built = [pathlib.Path(p) for p in result.packages]
    if len(built) != 1 or not built[0].exists():
        raise Failure(f"expected one package, got {built}")
    return built[0]


async def _make_env(channels: list[Channel], prefix: pathlib.Path, specs: list[str]) -> list[str]:
    records = await rattler.solve([c.uri for c in channels], specs, platforms=[SUBDIR, "noarch"])
    await rattler.install(records, prefix, show_progress=False)
    return [f"{r.name.normalized} {r.version} {r.build}" for r in records]


# What the environments between the oldest and the newest CPython run (see test_in_fresh_envs).
SMOKE = ["tests/distribution", "tests/handlers", "tests/params", "tests/responses", "tests/websocket"]


def test_in_fresh_envs(work: pathlib.Path, channel: Channel, package: pathlib.Path, pythons: list[dict]) -> None:
    """One fresh environment per CPython but the newest: the package + its test requirements, the
    whole suite on the oldest, a smoke subset (SMOKE) between; the newest CPython's environment is
    the simulated `pixi run test` instead (the whole suite).

    BOLT_CONDA_JOBS suites run at a time, each with its own TMPDIR and log (printed when it
    finishes). Default 1: on two cores the multi-process tests are CPU-bound, so a second suite
    gains little and makes their timing (e.g. SIGTERM draining) flaky."""
    # the package under test in a channel of its own, next to the bootstrap channel
    shutil.rmtree(work / "project-channel", ignore_errors=True)
    local = Channel(work / "project-channel")
    shutil.copy2(package, local.path / SUBDIR / package.name)
    local.index()
    index = json.loads(extract_info(package, work / "inspect" / "meta")["index.json"])
    pin = f"django-bolt =={index['version']} {index['build']}"
    suite = shlex.split(os.environ.get("BOLT_CONDA_SUITE_ARGS", ""))
    jobs = max(1, int(os.environ.get("BOLT_CONDA_JOBS", "1")))
    test_requirements = recipe_test_requirements()
    # Redis-backed tests fail here rather than skip, as in ci/test.sh: the server is the machine's
    # (ci/conda.sh installs it), since the offline channel cannot hold conda-forge's redis-server.
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise Failure("redis-server is not on PATH: the suite requires it (BOLT_REQUIRE_REDIS=1)")
    log(f"test requirements (the recipe's): {', '.join(test_requirements)}; redis-server: {redis_server}")

    runs = []
    # the newest CPython's environment is the simulated `pixi run test` instead (see pixi_test_run)
    runs.append(pixi_test_run(work, channel, pythons[-1]))
    for info in pythons[:-1] or pythons:
        mm = info["mm"]
        prefix = work / "envs" / f"py{mm}"
        shutil.rmtree(prefix, ignore_errors=True)
        started = time.monotonic()
        installed = asyncio.run(
            _make_env(
                [local, channel],
                prefix,
                [f"python {mm}.*", pin, *test_requirements],
            )
        )
        log(
            f"py{mm}: fresh environment {prefix} ({len(installed)} packages, "
            f"{time.monotonic() - started:.0f}s): " + ", ".join(r for r in installed if r.startswith(("django", "uvl")))
        )
        tmp = prefix / "tmp"
        tmp.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in SCRUB}
        env.update(PATH=f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}", CONDA_PREFIX=str(prefix), TMPDIR=str(tmp))
        # BOLT_TEST_STAGE: tests/conftest.py fails the run on a skip tests/skips.py does not allow here
        env.update(BOLT_REQUIRE_REDIS="1", BOLT_TEST_STAGE="conda")
        py = str(prefix / "bin" / "python")
        where = run([py, "-c", "import django_bolt, sys; print(django_bolt.__file__)"], env=env, cwd=ROOT)
        if not where.startswith(str(prefix / "lib" / f"python{mm}" / "site-packages")):
            raise Failure(f"py{mm}: django_bolt imported from {where}, not from the environment")
        script = run([str(prefix / "bin" / "django-bolt"), "version"], env=env)
        log(f"py{mm}: django_bolt from {where}; console script: {script}")
        # The oldest CPython runs the whole suite; the ones between it and the newest (the pixi
        # run, also whole) run a smoke subset: the package is one abi3 build, and ci/test.sh
        # already runs the whole suite on every CPython with the same extension.
        between = info is not pythons[0] and not suite
        command = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=5", *(SMOKE if between else suite)]
        runs.append((f"py{mm}", command, env, SUITE_LIMIT))

    failures = []
    running: list[tuple[str, subprocess.Popen, pathlib.Path, float, int]] = []
    while runs or running:
        while runs and len(running) < jobs:
            mm, cmd, env, limit = runs.pop(0)
            logfile = work / "envs" / f"pytest-{mm.replace(' ', '-')}.log"
            with open(logfile, "wb") as out:
                proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            running.append((mm, proc, logfile, time.monotonic(), limit))
            what = "the test task" if mm.startswith("pixi") else f"pytest ({' '.join(cmd[7:]) or 'whole suite'})"
            log(f"{mm}: {what} started")
        time.sleep(1)
        for item in list(running):
            mm, proc, logfile, started, limit = item
            if proc.poll() is None and time.monotonic() - started > limit:
                # pytest-timeout bounds each test; this bounds a suite stuck outside any test
                log(f"{mm}: still running after {limit}s: killed")
                proc.kill()
                proc.wait()
            if proc.poll() is None:
                continue
            running.remove(item)
            print(f"---- {mm} ----\n{logfile.read_text(errors='replace').rstrip()}", flush=True)
            log(f"{mm}: exit {proc.returncode} in {time.monotonic() - started:.0f}s")
            if proc.returncode:
                failures.append(mm)
    if failures:
        raise Failure(f"the test suite failed in the environments {', '.join(failures)}")


# Tools of the machine the simulated pixi environment may find on PATH: the binutils that the
# bootstrap gcc wrappers' gcc runs (as, ld), and the process tools that django-bolt's supervisor
# (ps) and the production tests (ss) call, which pixi finds on a user's PATH on Linux and macOS.
# Nothing else from the machine (no redis-server, python, cargo or pip from apt or pyenv).
HOST_TOOLS = ("as", "ld", "ld.bfd", "ps", "ss")


def pixi_test_run(work: pathlib.Path, channel: Channel, newest: dict) -> tuple[str, list[str], dict, int]:
    """`pixi run -e py3XX test` without pixi: a conda environment solved from the bootstrap channel
    for pixi.toml's environment py3XX on linux-64 (its features' dependencies, as pixi merges
    them), activated as pixi activates it, then the test task's command (and any task it depends
    on) run there exactly as pixi.toml writes it. The task builds the extension itself with the
    environment's rust, c-compiler and maturin; redis-server comes from the environment too."""
    sys.path.insert(0, str(HERE))
    import pixi_env
    from rattler.shell import ActivationVariables, Shell, activate

    environment = "py" + newest["mm"].replace(".", "")
    pixi = pixi_env.load()
    specs = pixi_env.conda_specs(pixi_env.dependencies(pixi, environment, SUBDIR))
    chain = pixi_env.task_chain(pixi, environment, SUBDIR, "test")
    prefix = work / "envs" / f"pixi-{environment}"
    shutil.rmtree(prefix, ignore_errors=True)
    started = time.monotonic()
    installed = asyncio.run(_make_env([channel], prefix, specs))
    log(
        f"pixi {environment}: environment {prefix} from pixi.toml ({len(installed)} packages, "
        f"{time.monotonic() - started:.0f}s); specs: {', '.join(specs)}"
    )
    if any(r.startswith("django-bolt ") for r in installed):
        raise Failure("the pixi environment must build django-bolt itself, not install the package")
    host = work / "envs" / "pixi-host-tools"
    shutil.rmtree(host, ignore_errors=True)
    host.mkdir(parents=True)
    for tool in HOST_TOOLS:
        found = shutil.which(tool)
        if found:
            (host / tool).symlink_to(found)
        elif tool in ("as", "ld", "ps"):
            raise Failure(f"{tool} is not on this machine's PATH (needed next to the pixi environment)")
    activation = activate(prefix, ActivationVariables(current_path=[str(host)]), Shell.bash)
    tmp = prefix / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in SCRUB and k != "PATH"}
    # BOLT_REQUIRE_REDIS: the environment's redis-server must be found, as in the other stages
    env.update(PATH=str(host), TMPDIR=str(tmp), BOLT_REQUIRE_REDIS="1")
    commands = [pixi_env.task_cmd(task) for _, task in chain]
    log(f"pixi {environment}: tasks {' -> '.join(n for n, _ in chain)}: {' && '.join(commands)}")
    # pixi runs a task's command after the environment's activation scripts; here bash does both
    script = activation.script + "\nset -e\ncd " + shlex.quote(str(ROOT)) + "\n"
    script += 'echo "PATH=$PATH"\n' + "\n".join(commands) + "\n"
    return (f"pixi {environment}", ["/bin/bash", "-c", script], env, BUILD_LIMIT + SUITE_LIMIT)


def extract_info(package: pathlib.Path, dest: pathlib.Path) -> dict[str, str]:
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    extract(package, dest)
    return {p.name: p.read_text() for p in (dest / "info").iterdir() if p.suffix == ".json"}


def inspect_package(work: pathlib.Path, package: pathlib.Path, pythons: list[dict]) -> None:
    root = work / "inspect" / "pkg"
    meta = extract_info(package, root)
    problems: list[str] = []
    index = json.loads(meta["index.json"])
    paths = json.loads(meta["paths.json"])["paths"]
    link = json.loads(meta.get("link.json", "{}"))
    files = sorted(p["_path"] for p in paths)

    # layout: a version-independent (abi3) python package keeps everything under site-packages/
    # ... and rattler-build keeps the recipe tests' files in etc/conda/test-files/<name>/
    test_files = [f for f in files if f.startswith("etc/conda/test-files/django-bolt/")]
    stray = [f for f in files if not f.startswith("site-packages/") and f not in test_files]
    if stray:
        problems.append(f"files outside site-packages/: {stray}")
    if not any(f.endswith("/tests/conftest.py") for f in test_files):
        problems.append("the recipe tests' files (tests/) are not in etc/conda/test-files/django-bolt/")
    for needed in (
        "site-packages/django_bolt/__init__.py",
        f"site-packages/django_bolt-{index['version']}.dist-info/METADATA",
    ):
        if needed not in files:
            problems.append(f"missing {needed}")
    ext = [f for f in files if re.fullmatch(r"site-packages/django_bolt/_core\.abi3\.so", f)]
    if len(ext) != 1:
        problems.append(f"expected one site-packages/django_bolt/_core.abi3.so, found {ext}")
    if any(re.search(r"lib/python3\.\d+/", f) for f in files):
        problems.append("a pythonX.Y path in a version-independent package")
    if any(f.endswith("direct_url.json") for f in files):
        problems.append("direct_url.json (names the build directory) is packaged")

    # metadata
    depends = index.get("depends", [])
    for expected in ("python >=3.10", "django >=4.2", "msgspec >=0.18", "httpx >=0.27", "uvloop >=0.19"):
        if expected not in depends:
            problems.append(f"depends lacks {expected!r}: {depends}")
    # version-independent (abi3): a python "noarch" layout, but in the platform's subdir
    if index.get("subdir") != SUBDIR or index.get("noarch") != "python":
        problems.append(f"expected a version-independent {SUBDIR} package, index.json says {index}")
    entry_points = link.get("noarch", {}).get("entry_points", []) or link.get("entry_points", [])
    if "django-bolt = django_bolt.cli:main" not in entry_points:
        problems.append(f"entry point missing from info/link.json: {link}")

    # licenses
    licenses = root / "info" / "licenses"
    for name in ("LICENSE", "THIRDPARTY.yml"):
        if not (licenses / name).is_file():
            problems.append(f"info/licenses/{name} missing")
    thirdparty = (licenses / "THIRDPARTY.yml").read_text() if (licenses / "THIRDPARTY.yml").is_file() else ""
    for crate in ("pyo3", "tokio", "serde"):
        if f"package_name: {crate}\n" not in thirdparty:
            problems.append(f"THIRDPARTY.yml has no entry for {crate}")
    if "text: " not in thirdparty:
        problems.append("THIRDPARTY.yml carries no license text")

    # relocatable without rewriting: nothing in the payload records the build prefix
    with_prefix = [p["_path"] for p in paths if p.get("prefix_placeholder")]
    if with_prefix:
        problems.append(f"files carrying the build prefix (rewritten at install): {with_prefix}")

    # no absolute build paths anywhere in the payload or its metadata
    needles = {str(work), str(ROOT), str(pathlib.Path.home() / ".cargo"), str(pathlib.Path.home() / ".rustup")}
    needles |= {info["prefix"] for info in pythons}
    needles |= {"host_env_placehold", "build_env/", "rattler-build_django-bolt"}
    checked = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        # info/recipe/ is the rendered recipe, which records the build directories by design
        if not path.is_file() or rel.startswith("info/recipe/"):
            continue
        data = path.read_bytes()
        if rel == "info/about.json":
            # `channels` records where the build environment came from (here the local bootstrap
            # channel, on conda-forge its URL): provenance, not a path the package uses
            about = json.loads(data)
            about.pop("channels", None)
            data = json.dumps(about).encode()
        checked += 1
        for needle in needles:
            if needle.encode() in data:
                problems.append(f"{rel} contains the build path {needle!r}")

    # the extension links no libpython and has no absolute rpath
    so = root / ext[0] if ext else None
    if so and shutil.which("readelf"):
        dynamic = run(["readelf", "-d", str(so)])
        needed = re.findall(r"\(NEEDED\).*\[(.+?)\]", dynamic)
        rpaths = re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.+?)\]", dynamic)
        if any(n.startswith("libpython") for n in needed):
            problems.append(f"the abi3 extension links libpython: {needed}")
        if any(r.startswith("/") for entry in rpaths for r in entry.split(":")):
            problems.append(f"absolute rpath in the extension: {rpaths}")
        log(f"_core.abi3.so needs {', '.join(needed)}; rpath {rpaths or 'none'}")

    size = package.stat().st_size
    log(
        f"inspected {package.name} ({size / 1e6:.1f} MB, {len(files)} files, {checked} scanned for build paths); "
        f"depends: {', '.join(depends)}"
    )
    if problems:
        raise Failure("package inspection failed:\n  " + "\n  ".join(problems))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True, type=pathlib.Path)
    parser.add_argument("--python", action="append", required=True, help="interpreter (python_min first)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the bootstrap channel even if cached")
    parser.add_argument("--reuse-package", action="store_true", help="(development) skip the build if a package exists")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for name in SCRUB:
        os.environ.pop(name, None)
    os.environ["RATTLER_CACHE_DIR"] = str(work / "rattler-cache")

    pythons = []
    for info in filter(None, (describe_python(p) for p in args.python)):
        if info["mm"] not in {p["mm"] for p in pythons}:
            pythons.append(info)
    pythons.sort(key=lambda info: tuple(int(x) for x in info["mm"].split(".")))
    if not pythons or pythons[0]["mm"] != "3.10":
        raise Failure("the abi3 build needs CPython 3.10 (python_min) among the interpreters")
    facts = toolchain_facts()
    log(
        f"CPythons: {', '.join(p['version'] for p in pythons)}; rust {facts['rust_version']} ({facts['rust_triple']}); "
        f"gcc {facts['gcc_version']}; glibc {facts['glibc']}; rattler-build {facts['rattler_build']}"
    )

    channel, _ = bootstrap(work, pythons, facts, args.fresh)
    log(f"bootstrap channel ready: {channel.path}")

    variants = work / "variants-bootstrap.yaml"
    write_bootstrap_variants(variants, pythons[0], facts)
    previous = sorted((work / "project-out").glob(f"{SUBDIR}/django-bolt-*.conda"))
    if args.reuse_package and previous:
        package = previous[-1]
        log(f"reusing {package} (--reuse-package)")
    else:
        package = build_project(work, channel, variants, pythons[0])
    test_args = os.environ.get("BOLT_CONDA_TEST_ARGS", "tests")
    log(f"built {package.name}; its recipe tests passed (pytest {test_args})")

    inspect_package(work, package, pythons)
    log("package inspection passed")

    test_in_fresh_envs(work, channel, package, pythons)
    log(
        f"test suite passed: the package in fresh environments for CPython "
        f"{', '.join(p['mm'] for p in pythons[:-1] or pythons)}, `pixi run test` on {pythons[-1]['mm']}"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (Failure, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None)
        log(f"FAILED: {exc}" + (f"\n{detail}" if detail else ""))
        sys.exit(1)
