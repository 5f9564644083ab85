"""``django_bolt.workers.WorkerSupervisor`` with real child processes (Python sleeping): recycling,
restarts, stopping, and the exit status a process manager sees. Only the clock is ours, so a
lifetime or a kill timeout passes without waiting for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django_bolt.workers import MIB, WorkerSupervisor, get_rss_bytes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; workers need Unix")


class Children:
    """Starts real processes per slot and remembers them; ``exit_code`` makes them exit at once."""

    def __init__(self, exit_code: int | None = None, ignore_term: bool = False) -> None:
        self.started: list[tuple[int, int]] = []
        self.popens: dict[int, subprocess.Popen] = {}
        self.exit_code = exit_code
        self.ignore_term = ignore_term

    def spawn(self, slot: int) -> int:
        if self.exit_code is not None:
            command = [sys.executable, "-c", f"raise SystemExit({self.exit_code})"]
        elif self.ignore_term:
            command = [sys.executable, "-c", "import signal,time; signal.signal(15, signal.SIG_IGN); time.sleep(60)"]
        else:
            command = [sys.executable, "-c", "import time; time.sleep(60)"]
        process = subprocess.Popen(command)
        self.popens[process.pid] = process
        self.started.append((slot, process.pid))
        return process.pid

    def on_exit(self, pid: int, status: int) -> None:
        self.popens[pid].returncode = os.waitstatus_to_exitcode(status)

    def wait_ignoring_term(self, pid: int) -> None:
        """Until the child has set SIGTERM to ignored (its SigIgn mask in /proc)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(f"/proc/{pid}/status") as status:
                ignored = next(int(line.split()[1], 16) for line in status if line.startswith("SigIgn:"))
            if ignored & (1 << (signal.SIGTERM - 1)):
                return
            time.sleep(0.01)
        raise AssertionError(f"{pid} never ignored SIGTERM")

    def alive(self) -> list[int]:
        return [pid for pid, p in self.popens.items() if p.returncode is None]

    def cleanup(self) -> None:
        for pid in self.alive():
            os.kill(pid, signal.SIGKILL)
            self.popens[pid].wait()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def children():
    made: list[Children] = []

    def make(**kwargs) -> Children:
        made.append(Children(**kwargs))
        return made[-1]

    yield make
    for c in made:
        c.cleanup()


def supervisor(kids: Children, clock: Clock, **kwargs) -> WorkerSupervisor:
    logs: list[str] = []
    options = {"processes": 1, "spawn": kids.spawn, "clock": clock, "log": logs.append, "on_exit": kids.on_exit}
    pool = WorkerSupervisor(**{**options, **kwargs})
    pool.logs = logs  # type: ignore[attr-defined]
    return pool


def settle(pool: WorkerSupervisor, until, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, pool.logs  # type: ignore[attr-defined]
        pool.wait(0.02)
        pool.tick()


def test_a_worker_above_the_memory_limit_is_replaced_before_it_is_stopped(children):
    kids, clock = children(), Clock()
    pool = supervisor(kids, clock, processes=2, max_rss_bytes=1)  # every real process is above 1 byte
    pool.start()
    first, second = (pid for _, pid in kids.started)
    pool.tick()
    # One recycle per pass, the replacement started before the old worker is told to stop.
    assert [slot for slot, _ in kids.started] == [0, 1, 0]
    pool.max_rss_bytes = None  # no further recycling: watch the first one finish
    settle(pool, lambda: first not in kids.alive())
    assert second in kids.alive() and len(kids.alive()) == 2
    assert "above --max-rss" in pool.logs[0]


def test_a_worker_past_its_lifetime_is_recycled_and_a_stubborn_one_killed(children):
    kids, clock = children(ignore_term=True), Clock()
    pool = supervisor(kids, clock, lifetime_seconds=60, kill_timeout=5)
    pool.start()
    old = kids.started[0][1]
    kids.wait_ignoring_term(old)
    clock.now = 59
    pool.tick()
    assert len(kids.started) == 1
    clock.now = 60
    pool.tick()
    assert len(kids.started) == 2 and old in kids.alive()  # SIGTERM ignored
    clock.now = 66
    settle(pool, lambda: old not in kids.alive())
    assert any("did not stop in time" in line for line in pool.logs)  # type: ignore[attr-defined]


def test_a_dead_worker_is_restarted_or_left_dead(children):
    kids, clock = children(), Clock()
    pool = supervisor(kids, clock, respawn_failed=True)
    pool.start()
    os.kill(kids.started[0][1], signal.SIGKILL)
    settle(pool, lambda: len(kids.started) == 2)
    assert "was killed by SIGKILL; restarting now" in pool.logs[-1]  # type: ignore[attr-defined]

    others, clock = children(), Clock()
    pool = supervisor(others, clock, respawn_failed=False, processes=2)
    pool.start()
    os.kill(others.started[0][1], signal.SIGKILL)
    settle(pool, lambda: pool.active_worker_count() == 1)
    assert len(others.started) == 2 and "not restarting" in pool.logs[-1]  # type: ignore[attr-defined]


def test_run_reports_workers_that_all_failed_and_a_requested_stop_is_clean(children):
    failing = children(exit_code=3)
    assert supervisor(failing, Clock(), processes=2, check_interval=0.01).run() == 1
    clean = children(exit_code=0)
    assert supervisor(clean, Clock(), processes=2, check_interval=0.01).run() == 0

    kids = children()
    pool = supervisor(kids, Clock(), processes=2, check_interval=0.01)
    pool.request_shutdown()
    assert pool.run() == 0
    assert kids.alive() == [] and len(kids.started) == 2


def test_a_second_stop_request_kills_at_once(children):
    kids, clock = children(ignore_term=True), Clock()
    pool = supervisor(kids, clock, kill_timeout=30)
    pool.start()
    kids.wait_ignoring_term(kids.started[0][1])
    pool.request_shutdown()
    pool.tick()
    assert kids.alive()
    pool.request_shutdown()
    settle(pool, lambda: not kids.alive())
    assert pool.finished()


def test_a_failed_spawn_stops_the_workers_already_running(children):
    kids = children()

    def spawn(slot: int) -> int:
        if slot == 1:
            raise OSError("fork failed")
        return kids.spawn(slot)

    pool = supervisor(kids, Clock(), processes=2, spawn=spawn, check_interval=0.01)
    with pytest.raises(OSError, match="fork failed"):
        pool.run()
    assert kids.alive() == []


def test_rss_of_a_live_and_of_a_gone_process():
    assert get_rss_bytes(os.getpid()) > MIB
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert get_rss_bytes(gone.pid) is None
