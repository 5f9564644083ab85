"""Parses ci/workflows/wheels.yml and checks it against the rest of the repository.

The workflow only runs on hosted runners, so this is what keeps it honest here: it must parse,
build and test every promised platform natively, test the same CPython range as ci/test.sh,
and carry the version pyproject.toml and Cargo.toml carry.

    python ci/check_workflow.py        (needs PyYAML)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "ci" / "workflows" / "wheels.yml"

# platform -> (target triple, wheel platform tag); what docs/platform-support.md promises.
PLATFORMS = {
    "manylinux_x86_64": ("x86_64-unknown-linux-gnu", "manylinux_2_17_x86_64"),
    "manylinux_aarch64": ("aarch64-unknown-linux-gnu", "manylinux_2_17_aarch64"),
    "musllinux_x86_64": ("x86_64-unknown-linux-musl", "musllinux_1_2_x86_64"),
    "musllinux_aarch64": ("aarch64-unknown-linux-musl", "musllinux_1_2_aarch64"),
    "macos_arm64": ("aarch64-apple-darwin", "macosx_11_0_arm64"),
    "macos_x86_64": ("x86_64-apple-darwin", "macosx_10_12_x86_64"),
    "windows_x64": ("x86_64-pc-windows-msvc", "win_amd64"),
    "windows_arm64": ("aarch64-pc-windows-msvc", "win_arm64"),
}
# (platform, python) pairs the test matrix may leave out, with the reason.
ALLOWED_EXCLUDES = {("windows_arm64", "3.10"): "python.org has no Windows arm64 build of 3.10"}

errors: list[str] = []


def check(condition: bool, message: str) -> None:
    if not condition:
        errors.append(message)


def first_match(pattern: str, text: str, what: str) -> str:
    match = re.search(pattern, text, re.M | re.S)
    if not match:
        sys.exit(f"check_workflow: cannot find {what}")
    return match.group(1)


def runner_is_arm(runner: str) -> bool:
    # GitHub's macos-14/15 runners are Apple silicon; the -intel ones are x86_64.
    return "arm" in runner or (runner.startswith("macos-") and not runner.endswith("-intel"))


def target_is_arm(target: str) -> bool:
    return target.startswith("aarch64-")


def main() -> None:
    data = yaml.safe_load(WORKFLOW.read_text())
    pyproject = (ROOT / "pyproject.toml").read_text()
    cargo = (ROOT / "Cargo.toml").read_text()
    py_version = first_match(r'^\[project\][^\[]*?^version\s*=\s*"([^"]+)"', pyproject, "pyproject version")
    cargo_version = first_match(r'^\[package\][^\[]*?^version\s*=\s*"([^"]+)"', cargo, "Cargo.toml version")
    min_python = first_match(r'^requires-python\s*=\s*">=\s*(3\.\d+)"', pyproject, "requires-python")
    abi3 = first_match(r'"abi3-py3(\d+)"', cargo, "pyo3 abi3-py3XX feature")
    minors = first_match(r"for minor in ([\d ]+); do", (ROOT / "ci" / "pythons.sh").read_text(), "ci/pythons.sh range")
    pythons = [f"3.{m}" for m in minors.split()]

    # YAML 1.1 reads the key `on` as True.
    triggers = data.get("on", data.get(True))
    check(isinstance(triggers, dict) and "push" in triggers, "the workflow has no push trigger")
    env = data.get("env", {})
    check(env.get("VERSION") == py_version, f"env.VERSION {env.get('VERSION')!r} != pyproject {py_version!r}")
    check(cargo_version == py_version, f"Cargo.toml version {cargo_version!r} != pyproject {py_version!r}")
    check(min_python == pythons[0], f"requires-python >={min_python} but ci/pythons.sh starts at {pythons[0]}")
    check(f"3.{abi3}" == min_python, f"pyo3 abi3-py3{abi3} does not match requires-python >={min_python}")
    check(isinstance(env.get("BUILD_PYTHON"), str) and env["BUILD_PYTHON"] in pythons, "env.BUILD_PYTHON")

    jobs = data["jobs"]
    check({"build", "test", "sdist", "publish"} <= set(jobs), f"jobs {sorted(jobs)} lack build/test/sdist/publish")

    # build: one entry per platform, native runner architecture, honest tags.
    build = jobs["build"]["strategy"]["matrix"]["include"]
    built = {entry["platform"]: entry for entry in build}
    check(len(built) == len(build), "a platform is built twice")
    check(set(built) == set(PLATFORMS), f"built platforms {sorted(built)} != {sorted(PLATFORMS)}")
    for name, entry in built.items():
        target, tag = PLATFORMS.get(name, ("?", "?"))
        check(entry.get("target") == target, f"{name}: target {entry.get('target')} != {target}")
        check(entry.get("tag") == tag, f"{name}: tag {entry.get('tag')} != {tag}")
        check(
            runner_is_arm(entry["runner"]) == target_is_arm(target),
            f"{name}: runner {entry['runner']} is not native for {target} (no cross-compiling)",
        )
        if "-linux-" in target:
            wanted = "manylinux2014" if "gnu" in target else "musllinux_1_2"
            check(entry.get("compatibility") == wanted, f"{name}: compatibility should be {wanted}")
    steps = jobs["build"]["steps"]
    text = [str(step.get("run", "")) + str(step.get("uses", "")) for step in steps]
    upload = next((i for i, t in enumerate(text) if "upload-artifact" in t), None)
    audit = next((i for i, t in enumerate(text) if "ci/check_dist.py wheel" in t), None)
    check(upload is not None and audit is not None and audit < upload, "build: wheel check must precede upload")
    check(any("--locked" in t for t in text), "build: maturin build must use --locked (Cargo.lock)")

    # test: every platform x every CPython of the range, on the platform's own runner.
    test = jobs["test"]
    check(test.get("needs") == "build", "test must need build")
    matrix = test["strategy"]["matrix"]
    check(matrix["python"] == pythons, f"test pythons {matrix['python']} != ci/pythons.sh range {pythons}")
    check(all(isinstance(v, str) for v in matrix["python"]), "quote Python versions (3.10 is the float 3.1)")
    check(set(matrix["platform"]) == set(PLATFORMS), "test platforms differ from build platforms")
    tested = {entry["platform"]: entry for entry in matrix["include"]}
    for name, entry in built.items():
        runner = tested.get(name, {}).get("runner")
        check(runner == entry["runner"], f"{name}: tested on {runner}, built on {entry['runner']}")
        alpine = bool(tested.get(name, {}).get("alpine"))
        check(alpine == name.startswith("musl"), f"{name}: musl wheels are tested in Alpine, others are not")
    for excluded in matrix.get("exclude", []):
        pair = (excluded["platform"], excluded["python"])
        check(pair in ALLOWED_EXCLUDES, f"test excludes {pair} without a documented reason")
    runs = " ".join(str(step.get("run", "")) for step in test["steps"])
    check("ci/wheels.sh pytest" in runs and "ci/wheels.sh install" in runs, "test must install and run the suite")

    sdist_runs = " ".join(str(step.get("run", "")) for step in jobs["sdist"]["steps"])
    for needle in ("maturin sdist", "ci/check_dist.py sdist", "ci/wheels.sh install", "ci/wheels.sh pytest"):
        check(needle in sdist_runs, f"sdist job lacks {needle!r}")

    publish = jobs["publish"]
    check(sorted(publish.get("needs", [])) == ["build", "sdist", "test"], "publish must need build, test and sdist")
    check("refs/tags/v" in str(publish.get("if", "")), "publish only on v* tags")
    check(
        f"-eq {len(PLATFORMS)}" in " ".join(str(s.get("run", "")) for s in publish["steps"]),
        "publish must count one wheel per platform",
    )

    if errors:
        for error in errors:
            print(f"check_workflow: {error}", file=sys.stderr)
        sys.exit(1)
    excluded = len(matrix.get("exclude", []))
    print(
        f"{WORKFLOW.relative_to(ROOT)}: version {py_version}, {len(built)} platforms built natively, "
        f"{len(built) * len(pythons) - excluded} test jobs on CPython {pythons[0]}-{pythons[-1]}, sdist, publish"
    )


if __name__ == "__main__":
    main()
