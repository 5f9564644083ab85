"""``django_bolt.build_info()``: how the installed extension was built."""

import os
import platform
import sys
from importlib import metadata

import django_bolt
from django_bolt import _core

KEYS = {
    "version",
    "target",
    "host",
    "rustc",
    "profile",
    "opt_level",
    "debug_assertions",
    "features",
    "target_features",
    "rustflags",
}


def test_exported_from_the_package():
    assert django_bolt.build_info is _core.build_info
    assert "build_info" in django_bolt.__all__


def test_shape():
    info = django_bolt.build_info()
    assert set(info) == KEYS
    for key in KEYS - {"debug_assertions", "features", "target_features"}:
        assert isinstance(info[key], str), key
    assert isinstance(info["debug_assertions"], bool)
    for key in ("features", "target_features"):
        assert isinstance(info[key], list) and all(isinstance(item, str) and item for item in info[key]), key
    assert info["rustc"].startswith("rustc 1.")
    assert info["profile"] and info["opt_level"] in {"0", "1", "2", "3", "s", "z"}
    # A fresh dict each call: callers may change theirs.
    info["version"] = "changed"
    assert django_bolt.build_info()["version"] != "changed"


def test_versions_agree():
    info = django_bolt.build_info()
    assert info["version"] == django_bolt.__version__ == metadata.version("django-bolt")


def test_target_matches_this_interpreter():
    target = django_bolt.build_info()["target"]
    arch, _, rest = target.partition("-")
    machine = platform.machine().lower()
    aliases = {"amd64": "x86_64", "arm64": "aarch64"}
    assert arch == aliases.get(machine, machine) or (sys.platform == "darwin" and arch in {"x86_64", "aarch64"})
    system = {"linux": "linux", "darwin": "apple-darwin", "win32": "windows"}.get(sys.platform, sys.platform)
    assert system in rest


def test_expected_build():
    """ci/test.sh states the profile and target it built; the installed extension must match."""
    info = django_bolt.build_info()
    for key in ("profile", "target"):
        expected = os.environ.get(f"BOLT_EXPECT_{key.upper()}")
        if expected:
            assert info[key] == expected, (key, info[key], expected)
