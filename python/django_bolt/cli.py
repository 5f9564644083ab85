"""The ``django-bolt`` console script."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from importlib import metadata
from typing import Any

# Packages whose versions matter in a bug report, in the order they are printed.
REPORTED_PACKAGES = ("django", "msgspec", "uvloop", "pytest", "pytest-django", "httpx")


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _distribution() -> dict[str, Any]:
    """How django-bolt got here: installer, wheel tags, and the PEP 610 source if any."""
    try:
        dist = metadata.distribution("django-bolt")
    except metadata.PackageNotFoundError:
        return {"installed": False}
    wheel = dist.read_text("WHEEL") or ""
    direct_url = dist.read_text("direct_url.json")
    source = None
    if direct_url:
        try:
            data = json.loads(direct_url)
        except ValueError:
            data = {}
        source = data.get("url")
        if data.get("dir_info", {}).get("editable"):
            source = f"{source} (editable)"
    return {
        "installed": True,
        "version": dist.version,
        "installer": (dist.read_text("INSTALLER") or "").strip() or None,
        "wheel_tags": [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")],
        "source": source,
    }


def _libc() -> str | None:
    name, version = platform.libc_ver()
    if name:
        return f"{name} {version}"
    if sys.platform.startswith("linux"):
        # platform.libc_ver() finds nothing on musl; its loader names the libc.
        for path in ("/lib", "/usr/lib"):
            try:
                if any(entry.startswith("ld-musl-") for entry in os.listdir(path)):
                    return "musl"
            except OSError:
                continue
    return None


def collect() -> dict[str, Any]:
    """The installation facts ``django-bolt doctor`` reports, as plain JSON-able data."""
    import django_bolt
    from django_bolt import _core

    uname = platform.uname()
    return {
        "django_bolt": {
            "version": django_bolt.__version__,
            "package": os.path.dirname(django_bolt.__file__),
            "extension": _core.__file__,
            "distribution": _distribution(),
        },
        "build": django_bolt.build_info(),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "build": " ".join(platform.python_build()),
            "compiler": platform.python_compiler(),
            "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        },
        "platform": {
            "platform": platform.platform(),
            "system": uname.system,
            "release": uname.release,
            "version": uname.version,
            "machine": uname.machine,
            "libc": _libc(),
            "cpu_count": os.cpu_count(),
        },
        "packages": {name: _package_version(name) for name in REPORTED_PACKAGES},
    }


def collect_project(settings_module: str | None) -> dict[str, Any]:
    """The project checks and, when the settings load, the server options runbolt will use."""
    from django_bolt.doctor import run_checks, runbolt_settings

    findings = run_checks(settings_module)
    project: dict[str, Any] = {
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "checks": [{"level": f.level, "check": f.check, "message": f.message} for f in findings],
    }
    if not any(f.check == "settings" and f.level == "error" for f in findings):
        try:
            project["runbolt_settings"] = runbolt_settings()
        except Exception as exc:
            project["checks"].append({"level": "error", "check": "runbolt settings", "message": str(exc)})
    return project


def _format_value(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def format_report(report: dict[str, Any]) -> str:
    """The text form: one ``key: value`` line per fact, grouped under section headings."""
    lines = ["django-bolt doctor (paste this into bug reports)"]
    bolt = dict(report["django_bolt"])
    distribution = bolt.pop("distribution")
    sections: list[tuple[str, dict[str, Any]]] = [
        ("django-bolt", bolt),
        ("installed distribution", distribution),
        ("build (django_bolt.build_info())", report["build"]),
        ("python", report["python"]),
        ("platform", report["platform"]),
        ("packages", {name: version or "not installed" for name, version in report["packages"].items()}),
    ]
    project = report.get("project")
    if project and "runbolt_settings" in project:
        sections.append(("settings runbolt reads (settings.py; flags win)", project["runbolt_settings"]))
    for title, values in sections:
        lines.append("")
        lines.append(f"[{title}]")
        width = max((len(key) for key in values), default=0)
        lines.extend(f"  {key.ljust(width)}  {_format_value(value)}" for key, value in values.items())
    if project:
        lines.append("")
        lines.append(f"[checks ({project['settings_module'] or 'no settings'})]")
        for finding in project["checks"]:
            lines.append(f"  {finding['level']:<7}  {finding['check']}: {finding['message']}")
    version = report["django_bolt"]["version"]
    if report["build"].get("version") != version:
        lines.append("")
        lines.append(f"WARNING: the extension was built as {report['build'].get('version')}, the package is {version}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="django-bolt", description="django-bolt helper commands")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("version", help="print the installed version")
    doctor = sub.add_parser("doctor", help="print the build, Python, Django and platform details a bug report needs")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument(
        "--settings", help="the Django settings module to check (default: DJANGO_SETTINGS_MODULE)", default=None
    )
    doctor.add_argument(
        "--pythonpath", help="a directory to add to sys.path first (like manage.py's option)", default=None
    )
    args = parser.parse_args(argv)
    if args.command in (None, "version"):
        from django_bolt import __version__

        print(f"Django-Bolt version: {__version__}")  # the release's wording
        return 0
    if args.command == "doctor":
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # the project, as `manage.py` would find it
        if args.pythonpath:
            sys.path.insert(0, args.pythonpath)
        report = collect()
        report["project"] = collect_project(args.settings)
        print(json.dumps(report, indent=2, sort_keys=True, default=str) if args.json else format_report(report))
        return 1 if any(c["level"] == "error" for c in report["project"]["checks"]) else 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
