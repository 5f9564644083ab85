"""``django-bolt doctor``: the console script prints what a bug report needs."""

import json
import platform
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import django
import django_bolt
import msgspec
import pytest


def console_script() -> str:
    name = "django-bolt.exe" if sys.platform == "win32" else "django-bolt"
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which("django-bolt")
    if not found:
        pytest.skip("the django-bolt console script is not installed")
    return found


def run(*args: str) -> str:
    done = subprocess.run([console_script(), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_text_report():
    out = run("doctor")
    info = django_bolt.build_info()
    assert re.search(rf"^  version +{re.escape(django_bolt.__version__)}$", out, re.M)
    for needle in (
        info["target"],
        info["rustc"],
        info["profile"],
        platform.python_version(),
        sys.executable,
        django.get_version(),
        metadata.version("msgspec"),
        platform.machine(),
        platform.system(),
        "[build (django_bolt.build_info())]",
        "[packages]",
    ):
        assert needle in out, needle
    assert "WARNING" not in out


def test_json_report_matches_this_interpreter():
    report = json.loads(run("doctor", "--json"))
    assert report["build"] == django_bolt.build_info()
    assert report["django_bolt"]["version"] == django_bolt.__version__
    assert Path(report["django_bolt"]["extension"]).name.startswith("_core.")
    assert report["python"]["version"] == platform.python_version()
    assert report["python"]["implementation"] == "CPython"
    assert report["packages"]["django"] == django.get_version()
    assert report["packages"]["msgspec"] == msgspec.__version__
    assert report["platform"]["machine"] == platform.machine()
    distribution = report["django_bolt"]["distribution"]
    assert distribution["installed"] is True
    assert distribution["version"] == django_bolt.__version__


def test_installed_wheel_tags():
    """An install from a wheel records its tags; ours is one abi3 wheel for CPython >= 3.10."""
    distribution = json.loads(run("doctor", "--json"))["django_bolt"]["distribution"]
    if not distribution["wheel_tags"]:
        pytest.skip(f"installed without wheel metadata: {distribution}")
    for tag in distribution["wheel_tags"]:
        python, abi, _ = tag.split("-", 2)
        assert (python, abi) == ("cp310", "abi3"), tag


def test_version_command_unchanged():
    assert run("version").strip() == f"Django-Bolt version: {django_bolt.__version__}"
    assert run().strip() == f"Django-Bolt version: {django_bolt.__version__}"
