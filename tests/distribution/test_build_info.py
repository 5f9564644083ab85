"""``django_bolt.build_info()``: how the installed extension was built."""

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

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


#: (opt-level, debug assertions) of each profile the extension is built with: Cargo's defaults for
#: dev and release, and quick-release as Cargo.toml defines it (checked against it below).
PROFILES = {"dev": ("0", True), "release": ("3", False), "quick-release": ("2", False)}


def test_build_matches_its_profile():
    """Wherever the suite runs, the recorded profile is a known one and the optimisation level
    and debug assertions are that profile's: a debug build cannot pass for an optimised one."""
    info = django_bolt.build_info()
    assert info["profile"] in PROFILES, info
    assert (info["opt_level"], info["debug_assertions"]) == PROFILES[info["profile"]], info


def test_quick_release_table_matches_cargo_toml():
    cargo = (Path(__file__).resolve().parents[2] / "Cargo.toml").read_text()
    section = cargo.split("[profile.quick-release]", 1)[1].split("\n[", 1)[0]
    assert f"opt-level = {PROFILES['quick-release'][0]}\n" in section, section


def test_expected_build():
    """CI states the profile and target it built (ci/test.sh exports BOLT_EXPECT_*, which a CI
    stage must have); the installed extension must be that build."""
    info = django_bolt.build_info()
    expected = {key: os.environ.get(f"BOLT_EXPECT_{key.upper()}") for key in ("profile", "target")}
    if os.environ.get("BOLT_TEST_STAGE") in {"wheel", "uvloop", "random-order", "sdist"}:
        assert expected["target"], "ci/test.sh stages must export BOLT_EXPECT_TARGET"
    for key, value in expected.items():
        if value:
            assert info[key] == value, (key, info[key], value)
