"""The small decisions of runbolt: the worker command line, the URL it prints, the default
thread count, and what ``--dev`` watches."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

from django.test import override_settings
from django_bolt.management.commands import runbolt
from django_bolt.runbolt_helpers import _build_display_url, _collapse_watch_paths, default_worker_threads
from django_bolt.supervisor import WORKER_FLAG, _build_dev_worker_command, _dev_worker_main_module


def test_a_worker_runs_one_process_without_dev_the_way_the_supervisor_was_started():
    argv = ["manage.py", "runbolt", "--dev", "--processes", "3", f"{WORKER_FLAG}=1,2,3", "--port=9000"]
    assert _build_dev_worker_command(argv, executable="py") == [
        "py",
        "manage.py",
        "runbolt",
        "--processes",
        "1",
        "--port=9000",
    ]
    assert _build_dev_worker_command(["/abs/src/manage.py", "runbolt", "--processes=2"], "py", "src.manage") == [
        "py",
        "-m",
        "src.manage",
        "runbolt",
        "--processes=1",
    ]
    assert _build_dev_worker_command(["manage.py", "runbolt"], "py")[-2:] == ["--processes", "1"]


def test_the_module_given_to_dash_m():
    def main(name, parent):
        return SimpleNamespace(__spec__=SimpleNamespace(name=name, parent=parent))

    assert _dev_worker_main_module(main("proj.manage", "proj")) == "proj.manage"
    assert _dev_worker_main_module(main("django.__main__", "django")) == "django"
    assert _dev_worker_main_module(SimpleNamespace(__spec__=None)) is None
    assert _dev_worker_main_module(None) is None


def test_the_printed_url_opens_in_a_browser_under_dev():
    assert _build_display_url("0.0.0.0", 8000, dev_mode=True, path="/docs") == "http://127.0.0.1:8000/docs"
    assert _build_display_url("0.0.0.0", 8000, dev_mode=False) == "http://0.0.0.0:8000"
    assert _build_display_url("::1", 8000, dev_mode=False) == "http://[::1]:8000"


def test_one_thread_per_process_under_the_gil():
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    assert default_worker_threads() == (1 if gil else default_worker_threads())
    if gil:
        assert default_worker_threads() == 1


def test_nested_watch_paths_collapse_into_the_outer_one(tmp_path):
    inner = tmp_path / "a" / "b"
    other = tmp_path / "c"
    assert _collapse_watch_paths([inner, tmp_path / "a", other, inner]) == [tmp_path / "a", other]


def test_dev_watches_the_root_code_outside_it_templates_and_reload_dirs(tmp_path, monkeypatch, capsys):
    root, shared, templates, extra = (tmp_path / n for n in ("root", "shared", "templates", "extra"))
    for directory in (root, shared, templates, extra):
        directory.mkdir()
    (root / "inside.py").write_text("VALUE = 1\n")
    (shared / "helper_outside_root.py").write_text("VALUE = 2\n")
    (root / "urls.py").write_text("urlpatterns = []\n")
    (root / "api.py").write_text("from django_bolt import BoltAPI\nimport helper_outside_root\napi = BoltAPI()\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.syspath_prepend(str(shared))
    for name in ("api", "urls", "helper_outside_root"):
        # setitem, so the modules this test imports under these names are taken out afterwards
        monkeypatch.setitem(sys.modules, name, None)
        del sys.modules[name]
    monkeypatch.setattr(runbolt, "apps", SimpleNamespace(ready=True, get_app_configs=lambda: []))
    monkeypatch.setattr(runbolt, "get_template_directories", lambda: {templates})
    with override_settings(BASE_DIR=root, ROOT_URLCONF="urls"):
        watched = {Path(p) for p in runbolt._collect_dev_watch_paths([str(extra), str(tmp_path / "missing")])}
    assert {root.resolve(), templates.resolve(), extra.resolve()} <= watched
    assert (shared / "helper_outside_root.py").resolve() in watched  # imported by api.py, outside the root
    assert (root / "api.py").resolve() not in watched  # inside the root: the root's watch sees it
    assert "missing" in capsys.readouterr().err
