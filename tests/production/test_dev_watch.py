"""What --dev watches and when it reloads: the directories it skips, and one reload for a burst
of writes, once they stop (the debounce)."""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

from django_bolt.management.commands import runbolt
from django_bolt.supervisor import DEV_RELOAD_DEBOUNCE_MS, DEV_RELOAD_IGNORE_DIRS, Supervisor, watched_files


def test_build_output_caches_and_hidden_directories_are_not_watched(tmp_path):
    for name in (*DEV_RELOAD_IGNORE_DIRS, ".git", ".venv", "app"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "m.py").write_text("")
    assert [p.parent.name for p in watched_files([tmp_path])] == ["app"]
    assert {"build", "dist", "__pycache__", "node_modules"} <= set(DEV_RELOAD_IGNORE_DIRS)
    # runbolt names the values its watcher uses (the release's names).
    assert (runbolt.DEV_RELOAD_IGNORE_DIRS, runbolt.DEV_RELOAD_DEBOUNCE_MS) == (
        DEV_RELOAD_IGNORE_DIRS,
        DEV_RELOAD_DEBOUNCE_MS,
    )


class _Pool:
    """The worker pool's side of a reload: what was replaced, and why."""

    shutdown_requested = False

    def __init__(self) -> None:
        self.replaced: list[str] = []

    def replace_all(self, reason: str) -> None:
        self.replaced.append(reason)


def _watching(root) -> Supervisor:
    supervisor = Supervisor.__new__(Supervisor)  # the watch loop alone: no socket, no workers
    lines: list[str] = []
    supervisor.__dict__.update(
        config=SimpleNamespace(dev=True),
        pool=_Pool(),
        reload_requested=threading.Event(),
        watch_roots=[root],
        stamps={},
        next_scan=0.0,
        first_change=None,
        reloads=0,
        worker_env={},
        log=lines.append,
        lines=lines,
    )
    supervisor.between_passes()  # the first look: what exists now is not a change
    supervisor.pool.replaced.clear()
    supervisor.first_change = None
    return supervisor


def _touch(path, stamp: float) -> None:
    path.write_text(str(stamp))
    os.utime(path, (stamp, stamp))


def test_a_burst_of_writes_reloads_once_after_the_last(tmp_path):
    files = [tmp_path / f"m{i}.py" for i in range(3)]
    for path in files:
        _touch(path, 1000)
    supervisor = _watching(tmp_path)
    supervisor.stamps = {path: 1000.0 for path in files}
    deadline = time.monotonic() + 5
    for i, path in enumerate(files):  # each pass sees one more write: still changing, no reload
        _touch(path, 2000 + i)
        supervisor.next_scan = 0.0
        supervisor.between_passes()
        assert supervisor.pool.replaced == []
    # Quiet for the debounce: one reload, naming the first file written.
    while not supervisor.pool.replaced:
        assert time.monotonic() < deadline
        time.sleep(0.01)
        supervisor.between_passes()
    assert supervisor.pool.replaced == ["runs old code"]
    assert supervisor.lines == [f"{files[0]} changed; reloading workers"]
    assert (supervisor.reloads, supervisor.worker_env["DJANGO_BOLT_DEV_RELOAD_COUNT"]) == (1, "1")
