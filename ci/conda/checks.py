"""Checks of the conda/pixi distribution that need no conda channel (run by ci/conda.sh).

    python ci/conda/checks.py render     recipe rendered for the 5 targets, conda-forge-like variants
    python ci/conda/checks.py schema     recipes validated against the vendored recipe-format schema
    python ci/conda/checks.py static     pixi.toml and ci/workflows/conda.yml against the recipe
    python ci/conda/checks.py version    one version in Cargo.toml, pyproject, recipe, pixi, workflow
    python ci/conda/checks.py crypto     no ring / aws-lc / openssl / native-tls in `cargo tree`

Needs py-rattler-build, jsonschema and PyYAML (ci/conda.sh installs them into its own venv).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pixi_env
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RECIPE = ROOT / "recipe" / "recipe.yaml"
VARIANTS = HERE / "variants" / "conda-forge-like.yaml"
SCHEMA = HERE / "schema" / "recipe-format.schema.json"
PIXI = ROOT / "pixi.toml"
WORKFLOW = ROOT / "ci" / "workflows" / "conda.yml"

PLATFORMS = pixi_env.PLATFORMS
# what conda-forge's compiler(), stdlib() and compiler('rust') resolve to on each target
COMPILERS = {
    "linux-64": ["gcc_linux-64", "sysroot_linux-64", "rust_linux-64"],
    "linux-aarch64": ["gcc_linux-aarch64", "sysroot_linux-aarch64", "rust_linux-aarch64"],
    "osx-64": ["clang_osx-64", "macosx_deployment_target_osx-64", "rust_osx-64"],
    "osx-arm64": ["clang_osx-arm64", "macosx_deployment_target_osx-arm64", "rust_osx-arm64"],
    "win-64": ["vs2022_win-64", "vs_win-64", "rust_win-64"],
}
# (target, build platform) where conda-forge would cross-compile; the recipe must render there too
CROSS = [("osx-arm64", "osx-64")]
PIXI_TASKS = ["build", "develop", "test", "test-rust", "lint", "bench", "conda-build", "demo"]
PIXI_ENVS = ["py310", "py311", "py312", "py313", "py314", "lint", "bench", "recipe"]
# `pixi run test` on every platform; `pixi run ci` (linux-64) is the README's CI command
PIXI_TEST_COMMAND = "python ci/pixi_test.py"
PIXI_CI_COMMAND = "bash .ci/run"
README_TEST_COMMAND = "bash ci/test.sh"
# the environments `pixi run [-e ...] test` runs in
TEST_ENVS = ["default", "py310", "py311", "py312", "py313", "py314"]
# What cannot run on all five platforms: shells and Linux tools, Unix venv layouts, shell scripts.
LINUX_ONLY = re.compile(
    r"\b(bash|zsh|sh|sudo|apt|apt-get|dpkg|zig|ziglang|auditwheel|patchelf|chmod|ldd)\b"
    r"|(^|[\s/\"'])(bin|Scripts)/|\.sh\b|/usr/|/tmp/|~/"
)
# programs every test environment provides on every platform (pixi.toml's python, build feature)
PORTABLE_PROGRAMS = {"python", "maturin", "cargo", "pytest"}
# conda-forge packages that some platforms lack: they may only appear under [target.<os>] tables
NOT_ON = {"uvloop": {"win-64"}, "redis-server": {"win-64"}}
CRYPTO = re.compile(r"^(ring|aws-lc(-[a-z0-9]+)*|openssl(-[a-z0-9]+)*|native-tls|boring(-sys)?) v", re.M)
# knobs the offline CI sets; a render check must see what a published build sees
CI_KNOBS = ("BOLT_CARGO_LTO", "BOLT_CARGO_CGU", "BOLT_CONDA_TEST_ARGS")

errors: list[str] = []


def check(ok: bool, message: str) -> bool:
    if not ok:
        errors.append(message)
    return ok


def finish(what: str) -> int:
    if errors:
        print(f"{what}: {len(errors)} problem(s)")
        for message in errors:
            print(f"  - {message}")
        return 1
    print(f"{what}: ok")
    return 0


def names(specs: list[str]) -> list[str]:
    return [s.split(" ", 1)[0] for s in specs]


def spec_map(specs: list[str]) -> dict[str, str]:
    """`django >=4.2` -> {"django": ">=4.2"}."""
    out = {}
    for spec in specs:
        name, _, constraint = spec.partition(" ")
        out[name] = constraint.replace(" ", "") or "*"
    return out


# --------------------------------------------------------------------------- render


def render(target: str, build: str) -> list[dict]:
    """The recipe as rattler-build renders it for `target` (build.skip honoured)."""
    code = (
        "import sys, warnings; warnings.simplefilter('ignore'); from rattler_build import build_recipes;"
        "build_recipes([sys.argv[1]], variant_config=[sys.argv[2]], target_platform=sys.argv[3],"
        " build_platform=sys.argv[4], render_only=True, ignore_recipe_variants=True)"
    )
    env = {k: v for k, v in os.environ.items() if k not in CI_KNOBS}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(RECIPE), str(VARIANTS), target, build],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode:
        errors.append(f"{target} (built on {build}): render failed\n{proc.stderr[-2000:]}")
        return []
    return json.loads(proc.stdout[proc.stdout.index("[") :])


def check_output(target: str, build: str, outputs: list[dict]) -> None:
    where = f"{target} (built on {build})"
    if not check(len(outputs) == 1, f"{where}: {len(outputs)} variants rendered, expected exactly one"):
        return
    out = outputs[0]
    recipe, config = out["recipe"], out["build_configuration"]
    variant = config["variant"]
    req = recipe["requirements"]
    build_names = names(req.get("build", []))
    check(
        str(variant.get("python", "")).startswith("3.10"), f"{where}: built on python {variant.get('python')}, not 3.10"
    )
    for name in COMPILERS[target]:
        check(name in build_names, f"{where}: build requirements lack {name}: {req.get('build')}")
    check("cargo-bundle-licenses" in build_names, f"{where}: cargo-bundle-licenses missing")
    crossing = target != build
    check(
        ("cross-python_" + target in build_names) == crossing and ("maturin" in build_names) == crossing,
        f"{where}: cross-python/maturin in build requirements must appear exactly when cross-compiling",
    )
    for host in ("python", "python-abi3", "pip", "maturin"):
        check(host in names(req.get("host", [])), f"{where}: host requirements lack {host}")
    run = spec_map(req.get("run", []))
    expected_run = {"python": ">=3.10", "django": ">=4.2", "msgspec": ">=0.18", "httpx": ">=0.27"}
    if target != "win-64":
        expected_run["uvloop"] = ">=0.19"
    check(run == expected_run, f"{where}: run requirements {run} != {expected_run}")
    python_build = recipe["build"].get("python", {})
    check(python_build.get("version_independent") is True, f"{where}: not version_independent")
    check(
        python_build.get("entry_points") == ["django-bolt = django_bolt.cli:main"],
        f"{where}: entry points {python_build.get('entry_points')}",
    )
    env = recipe["build"]["script"].get("env", {})
    check(env.get("CARGO_PROFILE_RELEASE_LTO") == "fat", f"{where}: a published build must use fat LTO, got {env}")
    check(env.get("CARGO_PROFILE_RELEASE_CODEGEN_UNITS") == "1", f"{where}: codegen units {env}")
    tests = recipe.get("tests", [])
    py_tests = [t["python"] for t in tests if "python" in t]
    check(
        len(py_tests) == 1
        and py_tests[0].get("imports") == ["django_bolt", "django_bolt._core"]
        and py_tests[0].get("python_version") == ["3.10.*", "*"]
        and py_tests[0].get("pip_check", True),
        f"{where}: python test (imports, pip_check, python_min and newest) is not as expected: {py_tests}",
    )
    scripts = [t for t in tests if "script" in t]
    pythons = sorted(spec_map(t.get("requirements", {}).get("run", [])).get("python", "") for t in scripts)
    check(pythons == ["*", "3.10.*"], f"{where}: script tests should run on python 3.10.* and the newest: {pythons}")
    for test in scripts:
        body = " ".join(test["script"] if isinstance(test["script"], list) else [str(test["script"])])
        check("django-bolt version" in body and "-m pytest" in body, f"{where}: script test lacks CLI/pytest: {body}")
        check("tests/" in test.get("files", {}).get("source", []), f"{where}: script test does not ship tests/")
    about = recipe.get("about", {})
    check(about.get("license") == "MIT", f"{where}: license {about.get('license')}")
    # the recipe names this project, as pyproject does, never the public release's repository
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    for key, url_key in (("homepage", "Homepage"), ("repository", "Repository"), ("documentation", "Documentation")):
        check(
            about.get(key) == urls.get(url_key) and "dj-bolt" not in str(about.get(key)),
            f"{where}: about.{key} {about.get(key)!r} != pyproject [project.urls] {url_key} {urls.get(url_key)!r}",
        )
    check(
        sorted(about.get("license_file", [])) == ["LICENSE", "THIRDPARTY.yml"],
        f"{where}: license_file {about.get('license_file')}",
    )
    build_string = config["subpackages"][recipe["package"]["name"]]["build_string"]
    print(
        f"  {target:14} on {build:9} python={variant.get('python')!s:18} build={build_string:18} "
        f"build deps: {', '.join(req.get('build', []))}"
    )


def cmd_render() -> int:
    for target in PLATFORMS:
        check_output(target, target, render(target, target))
    for target, build in CROSS:
        check_output(target, build, render(target, build))
    return finish("render check (5 targets + cross)")


# --------------------------------------------------------------------------- schema


def cmd_schema() -> int:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    recipes = [RECIPE, *sorted((HERE / "bootstrap" / "recipes").glob("*/recipe.yaml"))]
    for path in recipes:
        data = yaml.safe_load(path.read_text())
        problems = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        for problem in problems:
            # anyOf failures are reported as the best sub-error, with the YAML path
            best = jsonschema.exceptions.best_match([problem])
            errors.append(f"{path.relative_to(ROOT)}: /{'/'.join(map(str, best.absolute_path))}: {best.message}")
        print(f"  {path.relative_to(ROOT)}: {'valid' if not problems else f'{len(problems)} error(s)'}")
    # the schema must reject what rattler-build would reject: a misspelt key in the real recipe
    broken = yaml.safe_load(RECIPE.read_text())
    broken["build"]["python"]["version_independant"] = True
    check(any(validator.iter_errors(broken)), "schema check: a misspelt build.python key is not rejected")
    return finish(f"schema check ({SCHEMA.relative_to(ROOT)})")


# --------------------------------------------------------------------------- static (pixi + workflow)


def pixi_tasks(pixi: dict) -> dict[str, object]:
    tasks = dict(pixi.get("tasks", {}))
    for feature in pixi.get("feature", {}).values():
        for name, task in feature.get("tasks", {}).items():
            check(name not in tasks or tasks[name] == task, f"pixi.toml: task {name} defined twice, differently")
            tasks[name] = task
    return tasks


def pixi_specs(table: dict) -> dict[str, str]:
    out = {}
    for name, spec in table.items():
        out[name] = (spec if isinstance(spec, str) else spec.get("version", "*")).replace(" ", "")
    return out


def cmd_static() -> int:
    pixi = tomllib.loads(PIXI.read_text())
    workspace = pixi.get("workspace", {})
    check(workspace.get("channels") == ["conda-forge"], f"pixi.toml: channels {workspace.get('channels')}")
    check(
        sorted(workspace.get("platforms", [])) == sorted(PLATFORMS),
        f"pixi.toml: platforms {workspace.get('platforms')}",
    )
    envs = pixi.get("environments", {})
    for env in PIXI_ENVS:
        check(env in envs, f"pixi.toml: environment {env} missing")
    features = pixi.get("feature", {})
    for minor in range(10, 15):
        env = envs.get(f"py3{minor}", {})
        env_features = env if isinstance(env, list) else env.get("features", [])
        pins = [features.get(f, {}).get("dependencies", {}).get("python") for f in env_features]
        check(f"3.{minor}.*" in pins, f"pixi.toml: environment py3{minor} does not pin python 3.{minor}.*")
    tasks = pixi_tasks(pixi)
    for task in PIXI_TASKS:
        check(task in tasks, f"pixi.toml: task {task} missing")
    check(
        pixi_env.task_cmd(tasks.get("test")) == PIXI_TEST_COMMAND,
        f"pixi.toml: `pixi run test` runs {pixi_env.task_cmd(tasks.get('test'))!r}, not {PIXI_TEST_COMMAND!r}",
    )
    ci_task = pixi_env.tasks(pixi, "default", "linux-64").get("ci")
    check(
        pixi_env.task_cmd(ci_task) == PIXI_CI_COMMAND,
        f"pixi.toml: `pixi run ci` (linux-64) runs {pixi_env.task_cmd(ci_task)!r}",
    )
    check(README_TEST_COMMAND in (ROOT / ".ci" / "run").read_text(), f".ci/run no longer runs {README_TEST_COMMAND}")
    readme = (ROOT / "README.md").read_text()
    for needle in (README_TEST_COMMAND, "pixi run test", "pixi run ci", PIXI_TEST_COMMAND):
        check(needle in readme, f"README.md no longer names `{needle}`")
    check_portable_test_task(pixi)
    check(
        "recipe/recipe.yaml" in pixi_env.task_cmd(tasks.get("conda-build")),
        "pixi.toml: conda-build does not build recipe/",
    )
    check(
        "-c conda-forge" in pixi_env.task_cmd(tasks.get("conda-build")),
        "pixi.toml: conda-build must use -c conda-forge",
    )
    check("examples" in json.dumps(tasks.get("demo")), "pixi.toml: demo does not run the example project")

    # run dependencies are the recipe's (linux: with uvloop; windows: without)
    linux = render("linux-64", "linux-64")
    windows = render("win-64", "win-64")
    if linux and windows:
        run_linux = spec_map(linux[0]["recipe"]["requirements"]["run"])
        run_win = spec_map(windows[0]["recipe"]["requirements"]["run"])
        deps = pixi_specs(pixi.get("dependencies", {}))
        unix = pixi_specs(pixi.get("target", {}).get("unix", {}).get("dependencies", {}))
        check(deps == run_win, f"pixi.toml [dependencies] {deps} != recipe run requirements on win-64 {run_win}")
        check(
            {**deps, **unix} == run_linux, f"pixi.toml deps + [target.unix] {unix} != recipe run on linux {run_linux}"
        )
        test_reqs = {}
        for test in linux[0]["recipe"].get("tests", []):
            test_reqs.update(spec_map(test.get("requirements", {}).get("run", [])))
        test_reqs.pop("python", None)
        test_feature = pixi_specs(features.get("test", {}).get("dependencies", {}))
        check(
            test_feature == test_reqs,
            f"pixi.toml [feature.test] {test_feature} != recipe test requirements {test_reqs}",
        )
        # the one addition: a Redis server from conda-forge where it has one (the recipe's tests
        # skip the Redis-backed tests; `pixi run test` runs them)
        test_unix = pixi_specs(features.get("test", {}).get("target", {}).get("unix", {}).get("dependencies", {}))
        check(test_unix == {"redis-server": "*"}, f"pixi.toml [feature.test.target.unix] {test_unix}")
        host = spec_map(linux[0]["recipe"]["requirements"]["host"])
        build_feature = pixi_specs(features.get("build", {}).get("dependencies", {}))
        check(
            build_feature.get("maturin") == host.get("maturin"),
            f"pixi.toml maturin {build_feature.get('maturin')} != recipe {host.get('maturin')}",
        )

    package = pixi.get("package", {})
    backend = package.get("build", {}).get("backend", {})
    check(package.get("name") == "django-bolt", f"pixi.toml [package] name {package.get('name')}")
    check(backend.get("name") == "pixi-build-rattler-build", f"pixi.toml [package.build] backend {backend}")
    check("pixi-build" in workspace.get("preview", []), "pixi.toml: [package] needs preview = ['pixi-build']")

    # the hosted-runner workflow
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True)) or {}
    check("pull_request" in triggers and "push" in triggers, "conda.yml: needs push and pull_request triggers")
    jobs = workflow.get("jobs", {})
    build_job = jobs.get("recipe", {})
    matrix = build_job.get("strategy", {}).get("matrix", {}).get("include", [])
    targets = {entry.get("target"): entry.get("runner", "") for entry in matrix}
    check(sorted(targets) == sorted(PLATFORMS), f"conda.yml: recipe job targets {sorted(targets)}")
    for target, runner in targets.items():
        native = {
            "linux-64": runner.startswith("ubuntu-") and not runner.endswith("-arm"),
            "linux-aarch64": runner.startswith("ubuntu-") and runner.endswith("-arm"),
            "osx-64": runner.startswith("macos-") and runner.endswith("-intel"),
            "osx-arm64": runner.startswith("macos-") and not runner.endswith("-intel"),
            "win-64": runner.startswith("windows-") and not runner.endswith("-arm"),
        }[target]
        check(native, f"conda.yml: {target} is not built natively on {runner!r}")
    steps = json.dumps(build_job.get("steps", []))
    for needle in (
        "rattler-build build",
        "-c conda-forge",
        "recipe/recipe.yaml",
        "ci/conda/variants/conda-forge-like.yaml",
        "--target-platform ${{ matrix.target }}",
        "--test native",
    ):
        check(needle in steps, f"conda.yml: the recipe job does not run `{needle}`")
    for knob in CI_KNOBS:
        check(knob not in json.dumps(build_job), f"conda.yml: the published-style build must not set {knob}")
    pixi_job = jobs.get("pixi", {})
    pixi_matrix = pixi_job.get("strategy", {}).get("matrix", {})
    check(sorted(pixi_matrix.get("environment", [])) == ["py310", "py314"], f"conda.yml: pixi job envs {pixi_matrix}")
    runners = pixi_matrix.get("os", [])
    check(len(runners) == 5, f"conda.yml: pixi job should run on the 5 platforms' runners, has {runners}")
    check(
        "pixi run -e ${{ matrix.environment }} test" in json.dumps(pixi_job.get("steps", [])),
        "conda.yml: the pixi job does not run `pixi run -e <env> test`",
    )
    print(f"  pixi.toml: {len(PLATFORMS)} platforms, tasks {', '.join(PIXI_TASKS)}, environments {', '.join(envs)}")
    print(f"  conda.yml: recipe job on {', '.join(f'{t}={r}' for t, r in sorted(targets.items()))}")
    return finish("static check (pixi.toml, ci/workflows/conda.yml)")


def linux_only_literals(script: Path) -> list[str]:
    """String literals of a Python script (docstrings aside) that name something Linux-only."""
    tree = ast.parse(script.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and LINUX_ONLY.search(node.value)
    ]


def check_portable_test_task(pixi: dict) -> None:
    """`pixi run [-e ENV] test` can pass on every platform: for each test environment and each of
    the five platforms, the test task and what it depends on run a program the environment has
    there, through no shell, Linux tool or Unix path (nor does a Python script they run), and the
    environment asks for no package conda-forge lacks on that platform."""
    # the check must be able to fail: the old Linux-only test command and a Unix venv path
    check(
        bool(LINUX_ONLY.search("bash ci/test.sh")) and bool(LINUX_ONLY.search(".venv/bin/pip install")),
        "portability check: LINUX_ONLY no longer matches its own samples",
    )
    checked = 0
    for environment in TEST_ENVS:
        for platform in PLATFORMS:
            where = f"pixi.toml: `pixi run -e {environment} test` on {platform}"
            try:
                chain = pixi_env.task_chain(pixi, environment, platform, "test")
            except (KeyError, ValueError) as exc:
                errors.append(f"{where}: {exc}")
                continue
            deps = pixi_env.dependencies(pixi, environment, platform)
            for name in ("python", "rust", "c-compiler", "maturin", "pip", "pytest", "pytest-timeout"):
                check(name in deps, f"{where}: the environment has no {name}")
            check(("redis-server" in deps) == (platform != "win-64"), f"{where}: redis-server where conda-forge has it")
            for name in deps:
                check(platform not in NOT_ON.get(name, ()), f"{where}: conda-forge has no {name} for {platform}")
            for name, task in chain:
                cmd = pixi_env.task_cmd(task)
                words = cmd.split()
                check(bool(words) and words[0] in PORTABLE_PROGRAMS, f"{where}: task {name} runs {cmd!r}")
                check(not LINUX_ONLY.search(cmd), f"{where}: task {name} is Linux-only: {cmd!r}")
                check(not re.search(r"[|;<>`$]|&&", cmd), f"{where}: task {name} uses shell syntax: {cmd!r}")
                for word in words[1:]:
                    if word.endswith(".py"):
                        script = ROOT / word
                        if check(script.is_file(), f"{where}: task {name} runs {word}, which does not exist"):
                            bad = linux_only_literals(script)
                            check(not bad, f"{where}: {word} names Linux-only things: {bad}")
            checked += 1
    print(f"  `pixi run test`: {checked} environment x platform pairs checked portable ({PIXI_TEST_COMMAND})")


# --------------------------------------------------------------------------- version


def cmd_version() -> int:
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    recipe = yaml.safe_load(RECIPE.read_text())
    pixi = tomllib.loads(PIXI.read_text())
    workflow = yaml.safe_load(WORKFLOW.read_text())
    found = {
        "Cargo.toml [package].version": cargo["package"]["version"],
        "pyproject.toml [project].version": pyproject["project"]["version"],
        "recipe/recipe.yaml context.version": str(recipe["context"]["version"]),
        "pixi.toml [package].version": pixi.get("package", {}).get("version"),
        "ci/workflows/conda.yml env.VERSION": str(workflow.get("env", {}).get("VERSION")),
    }
    for where, value in found.items():
        print(f"  {where:38} {value}")
    check(len(set(found.values())) == 1, f"versions differ: {found}")

    # and one minimum python: requires-python, pyo3's abi3 feature, the recipe and pixi
    requires = pyproject["project"]["requires-python"].replace(" ", "")
    abi3 = re.findall(r"abi3-py3(\d+)", json.dumps(cargo["dependencies"].get("pyo3")))
    minimums = {
        "pyproject requires-python": requires.removeprefix(">="),
        "Cargo.toml pyo3 abi3-py3XX": f"3.{abi3[0]}" if abi3 else None,
        "recipe context.python_min": str(recipe["context"]["python_min"]),
        "pixi.toml python": pixi.get("dependencies", {}).get("python", "").replace(" ", "").removeprefix(">="),
    }
    print(f"  minimum CPython: {minimums}")
    check(len(set(minimums.values())) == 1, f"minimum CPython differs: {minimums}")

    # and one list of runtime dependencies (httpx included: django_bolt.testing needs it)
    from packaging.requirements import Requirement

    runtime = {
        "pyproject [project].dependencies": {
            Requirement(r).name: str(Requirement(r).specifier) for r in pyproject["project"]["dependencies"]
        },
        "recipe requirements.run": {
            k: v for k, v in spec_map([r for r in recipe["requirements"]["run"] if isinstance(r, str)]).items()
        },
        "pixi.toml [dependencies]": pixi_specs(pixi.get("dependencies", {})),
    }
    for table in list(runtime.values())[1:]:
        table.pop("python", None)
    for where, deps in runtime.items():
        print(f"  {where:38} {deps}")
    check(
        len({json.dumps(d, sort_keys=True) for d in runtime.values()}) == 1, f"runtime dependencies differ: {runtime}"
    )
    check("httpx" in runtime["pyproject [project].dependencies"], "httpx is not a dependency (django_bolt.testing)")
    return finish("version check")


# --------------------------------------------------------------------------- crypto


def cmd_crypto() -> int:
    # the check itself must be able to fail
    sample = "pyo3 v0.30.1\nring v0.17.8\naws-lc-sys v0.21.0\nopenssl-sys v0.9.1\nnative-tls v0.2.12\n"
    check(len(CRYPTO.findall(sample)) == 4, "crypto check: the pattern no longer matches its own sample")
    tree = subprocess.run(
        ["cargo", "tree", "--locked", "--target", "all", "--prefix", "none", "--edges", "normal,build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if not check(tree.returncode == 0, f"cargo tree failed:\n{tree.stderr[-2000:]}"):
        return finish("crypto check")
    crates = sorted({line.split(" (")[0] for line in tree.stdout.splitlines() if line.strip()})
    hits = sorted({m.group(0).strip() for m in CRYPTO.finditer(tree.stdout)})
    check(not hits, f"C crypto libraries in the Rust dependency tree (any target): {hits}")
    print(f"  {len(crates)} crates for all targets (normal + build edges); none of ring, aws-lc, openssl, native-tls")
    return finish("crypto check (cargo tree --target all)")


def main() -> int:
    commands = {
        "render": cmd_render,
        "schema": cmd_schema,
        "static": cmd_static,
        "version": cmd_version,
        "crypto": cmd_crypto,
    }
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
