"""pixi.toml read the way pixi reads it, for the checks and the simulated `pixi run test`.

pixi cannot be installed on the project's machine, so ci/conda/checks.py (static check) and
ci/conda/offline_build.py (a conda environment made from an environment's dependencies, the test
task's command run in it) resolve environments, per-platform dependencies and tasks here.
"""

from __future__ import annotations

import pathlib

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PIXI = pathlib.Path(__file__).resolve().parents[2] / "pixi.toml"
PLATFORMS = ["linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]
# the [target.<selector>] tables that apply on each platform, most general first
SELECTORS = {
    "linux-64": ["unix", "linux", "linux-64"],
    "linux-aarch64": ["unix", "linux", "linux-aarch64"],
    "osx-64": ["unix", "osx", "osx-64"],
    "osx-arm64": ["unix", "osx", "osx-arm64"],
    "win-64": ["win", "win-64"],
}


def load(path: pathlib.Path = PIXI) -> dict:
    return tomllib.loads(path.read_text())


def features(pixi: dict, environment: str) -> list[dict]:
    """The feature tables of `environment`, the default feature (the top-level tables) first
    unless the environment leaves it out."""
    if environment == "default" and "default" not in pixi.get("environments", {}):
        names, no_default = [], False
    else:
        env = pixi["environments"][environment]
        names = env if isinstance(env, list) else env.get("features", [])
        no_default = isinstance(env, dict) and env.get("no-default-feature", False)
    tables = [] if no_default else [pixi]
    return tables + [pixi["feature"][name] for name in names]


def _per_platform(table: dict, key: str, platform: str) -> dict:
    merged = dict(table.get(key, {}))
    for selector in SELECTORS[platform]:
        merged.update(table.get("target", {}).get(selector, {}).get(key, {}))
    return merged


def dependencies(pixi: dict, environment: str, platform: str) -> dict[str, list[str]]:
    """name -> every version constraint the environment's features put on it on `platform`."""
    out: dict[str, list[str]] = {}
    for table in features(pixi, environment):
        for name, spec in _per_platform(table, "dependencies", platform).items():
            version = spec if isinstance(spec, str) else spec.get("version", "*")
            out.setdefault(name, []).append(version.replace(" ", ""))
    return out


def conda_specs(deps: dict[str, list[str]]) -> list[str]:
    """Match specs for a solver: every feature's constraint on a package applies at once."""
    specs = []
    for name, versions in sorted(deps.items()):
        constraints = [v for v in versions if v != "*"]
        specs.append(f"{name} {','.join(constraints)}" if constraints else name)
    return specs


def tasks(pixi: dict, environment: str, platform: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for table in features(pixi, environment):
        out.update(_per_platform(table, "tasks", platform))
    return out


def task_cmd(task: object) -> str:
    if isinstance(task, str):
        return task
    if isinstance(task, dict):
        cmd = task.get("cmd", "")
        return " ".join(cmd) if isinstance(cmd, list) else str(cmd)
    return ""


def task_chain(pixi: dict, environment: str, platform: str, name: str) -> list[tuple[str, object]]:
    """`name` and the tasks it depends on, in the order pixi runs them (dependencies first)."""
    available = tasks(pixi, environment, platform)
    order: list[tuple[str, object]] = []

    def visit(task_name: str, seen: tuple[str, ...]) -> None:
        if task_name in seen:
            raise ValueError(f"pixi.toml: task cycle {' -> '.join(seen + (task_name,))}")
        if task_name not in available:
            raise ValueError(f"pixi.toml: task {task_name!r} is not defined for {environment} on {platform}")
        task = available[task_name]
        depends = task.get("depends-on", []) if isinstance(task, dict) else []
        for dep in [depends] if isinstance(depends, str) else depends:
            visit(dep if isinstance(dep, str) else dep["task"], seen + (task_name,))
        if task_name not in [n for n, _ in order]:
            order.append((task_name, task))

    visit(name, ())
    return order
