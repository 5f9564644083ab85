"""The life of runbolt's worker processes: ``WorkerSupervisor`` starts, restarts, recycles
(``--workers-lifetime``, ``--max-rss``, measured by ``get_rss_bytes``) and stops them.
``django_bolt.supervisor`` runs it with real processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Bytes in one mebibyte (``--max-rss`` is given in MiB).
MIB = 1024 * 1024
DEFAULT_KILL_TIMEOUT = 30.0
DEFAULT_CHECK_INTERVAL = 1.0
#: A worker that dies sooner than this after starting counts as a failed start (back-off grows).
QUICK_DEATH = 5.0
MAX_BACKOFF = 10.0


def get_rss_bytes(pid: int) -> int | None:
    """Resident memory of process ``pid`` in bytes; ``None`` when it cannot be read (e.g. the
    process is gone). Reads ``/proc`` where there is one, else asks ``ps`` (macOS, BSD)."""
    if os.path.isdir("/proc/self"):
        try:
            with open(f"/proc/{pid}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"VmRSS:"):
                        return int(line.split()[1]) * 1024  # reported in KiB
        except (OSError, ValueError, IndexError):
            pass
        return None  # gone, or a zombie (no VmRSS line: it holds no memory any more)
    try:
        out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip()
    if out.returncode != 0 or not value.isdigit():
        return None
    return int(value) * 1024


@dataclass
class _Worker:
    slot: int
    pid: int
    started_at: float
    #: Seconds this worker may serve (0: no limit); spread per slot so workers do not all recycle at once.
    lifetime: float


class WorkerSupervisor:
    """What happens to runbolt's worker processes: start one per slot, replace one that dies
    (with back-off when it keeps dying), recycle one past ``lifetime_seconds`` or ``max_rss_bytes``,
    stop them all on request, and SIGKILL one that does not exit within ``kill_timeout``.

    A recycle starts the replacement first; the old worker is sent SIGTERM once ``is_ready`` says
    the replacement serves (at once without ``is_ready``), so the port never lacks a worker.
    The operating system calls (``spawn``, ``kill``, ``waitpid``, ``rss_reader``, ``clock``) are
    parameters: ``runbolt``'s supervisor passes the real ones.
    """

    def __init__(
        self,
        *,
        processes: int,
        spawn: Callable[[int], int],
        max_rss_bytes: int | None = None,
        lifetime_seconds: float | None = None,
        respawn_failed: bool = False,
        kill_timeout: float = DEFAULT_KILL_TIMEOUT,
        check_interval: float = DEFAULT_CHECK_INTERVAL,
        kill: Callable[[int, int], None] = os.kill,
        waitpid: Callable[[int, int], tuple[int, int]] = os.waitpid,
        rss_reader: Callable[[int], int | None] = get_rss_bytes,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] = print,
        is_ready: Callable[[int], bool] | None = None,
        on_exit: Callable[[int, int], None] | None = None,
        ready_timeout: float = 60.0,
        shutdown_grace: float = 0.0,
        between_passes: Callable[[], None] | None = None,
    ) -> None:
        self.processes = processes
        self.max_rss_bytes = max_rss_bytes or None
        self.lifetime_seconds = lifetime_seconds or None
        self.respawn_failed = respawn_failed
        self.kill_timeout = kill_timeout
        self.check_interval = check_interval
        #: Added to ``kill_timeout`` when stopping: in-flight requests get this long to finish.
        self.shutdown_grace = shutdown_grace
        self.ready_timeout = ready_timeout
        self._spawn = spawn
        self._kill = kill
        self._waitpid = waitpid
        self._rss_reader = rss_reader
        self._clock = clock
        self._log = log
        self._is_ready = is_ready
        self._on_exit = on_exit
        self._between_passes = between_passes
        self._workers: dict[int, _Worker] = {}
        #: Old pid -> (replacement pid, when to stop waiting for the replacement).
        self._handovers: dict[int, tuple[int, float]] = {}
        #: Pid -> when it is SIGKILLed if it has not exited.
        self._draining: dict[int, float] = {}
        self._restart_at: dict[int, float] = {}
        self._quick_deaths: dict[int, int] = {}
        self._shutdown_requested = False
        self._shutdown_begun = False
        self._force_kill = False
        self._unreplaced_failure = False
        self._wakeup = threading.Event()

    # ---------------------------------------------------------------- control

    def start(self) -> None:
        for slot in range(self.processes):
            self._spawn_slot(slot)

    def run(self) -> int:
        """Supervises until every worker has exited; 1 when they ended on their own and one
        failed (a process manager then sees the failure), else 0."""
        try:
            self.start()
            self._supervise()
        except BaseException:
            # No worker may stay on the port without a supervisor.
            self._log("the supervisor failed; stopping its workers")
            self._shutdown_requested = True
            self._supervise()
            raise
        if self._unreplaced_failure and not self._shutdown_requested:
            self._log("every worker has exited and one failed; exiting with status 1")
            return 1
        return 0

    def tick(self) -> None:
        """One pass: reap exited workers, then recycle, restart or stop, then enforce deadlines."""
        self._reap()
        now = self._clock()
        if self._shutdown_requested:
            self._begin_shutdown()
        else:
            self._finish_handovers(now)
            self._restart_due(now)
            self._check_limits(now)
        self._enforce_deadlines(now)

    def request_shutdown(self) -> None:
        """Stop every worker gracefully; a second request kills them at once."""
        if self._shutdown_requested:
            self._force_kill = True
        self._shutdown_requested = True
        self._wakeup.set()

    def replace_all(self, reason: str) -> None:
        """Replace every worker (new code, SIGHUP), each old one serving until its replacement does."""
        for worker in list(self._workers.values()):
            self._recycle(worker, reason)

    @property
    def shutdown_requested(self) -> bool:
        return self._shutdown_requested

    def active_worker_count(self) -> int:
        return len(self._workers)

    def has_draining_workers(self) -> bool:
        return bool(self._draining or self._handovers)

    def worker_pids(self) -> list[int]:
        return list(self._workers)

    def wait(self, timeout: float) -> None:
        """Sleep until the next pass is due or a shutdown is requested."""
        self._wakeup.wait(timeout)
        self._wakeup.clear()

    def finished(self) -> bool:
        return not (self._workers or self._draining or self._handovers or self._pending_restarts())

    # ---------------------------------------------------------------- internals

    def _supervise(self) -> None:
        while not self.finished():
            self.wait(self.check_interval)
            if self._between_passes is not None:
                self._between_passes()
            self.tick()

    def _pending_restarts(self) -> bool:
        return bool(self._restart_at) and not self._shutdown_requested

    def _spawn_slot(self, slot: int) -> int:
        pid = self._spawn(slot)
        lifetime = self.lifetime_seconds or 0.0
        # Up to 10 % later per slot: workers started together do not all recycle together.
        lifetime += lifetime * 0.1 * slot / max(1, self.processes)
        self._workers[pid] = _Worker(slot, pid, self._clock(), lifetime)
        return pid

    def _reap(self) -> None:
        while True:
            try:
                pid, status = self._waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if self._on_exit is not None:
                self._on_exit(pid, status)
            self._on_worker_exit(pid, status)

    def _on_worker_exit(self, pid: int, status: int) -> None:
        self._draining.pop(pid, None)
        self._handovers.pop(pid, None)
        worker = self._workers.pop(pid, None)
        if worker is None or self._shutdown_requested:
            return
        code = os.waitstatus_to_exitcode(status)
        what = f"worker {worker.slot} (pid {pid}) {describe_exit(code)}"
        if not self.respawn_failed:
            self._unreplaced_failure = self._unreplaced_failure or code != 0
            self._log(f"{what}; not restarting (enable with --respawn-failed-workers)")
            return
        now = self._clock()
        quick = now - worker.started_at < QUICK_DEATH
        failures = self._quick_deaths.get(worker.slot, 0) + 1 if quick else 0
        self._quick_deaths[worker.slot] = failures
        delay = 0.0 if failures <= 1 else min(MAX_BACKOFF, 0.5 * 2 ** (failures - 2))
        self._log(f"{what}; restarting {'now' if not delay else f'in {delay:.1f}s'}")
        self._restart_at[worker.slot] = now + delay
        self._restart_due(now)

    def _restart_due(self, now: float) -> None:
        for slot, when in list(self._restart_at.items()):
            if now >= when:
                del self._restart_at[slot]
                self._spawn_slot(slot)

    def _ready(self, pid: int) -> bool:
        return self._is_ready is None or self._is_ready(pid)

    def _check_limits(self, now: float) -> None:
        for worker in list(self._workers.values()):
            reason = self._limit_reached(worker, now)
            if reason is not None:
                self._recycle(worker, reason)
                return  # one per pass: workers that cross a limit together restart one by one

    def _limit_reached(self, worker: _Worker, now: float) -> str | None:
        # A starting worker is never recycled; limits apply once it serves.
        if worker.pid in self._handover_replacements() or not self._ready(worker.pid):
            return None
        if worker.lifetime and now - worker.started_at >= worker.lifetime:
            return f"reached its lifetime of {self.lifetime_seconds:g}s"
        if self.max_rss_bytes is not None:
            rss = self._rss_reader(worker.pid)
            if rss is not None and rss > self.max_rss_bytes:
                return f"uses {rss / MIB:.0f} MiB, above --max-rss {self.max_rss_bytes / MIB:g}"
        return None

    def _handover_replacements(self) -> set[int]:
        return {new for new, _ in self._handovers.values()}

    def _recycle(self, worker: _Worker, reason: str) -> None:
        self._log(f"worker {worker.slot} (pid {worker.pid}) {reason}; replacing it")
        # The old worker stays a worker until its replacement exists: a failed spawn still stops it.
        replacement = self._spawn_slot(worker.slot)
        del self._workers[worker.pid]
        self._handovers[worker.pid] = (replacement, self._clock() + self.ready_timeout)
        self._finish_handovers(self._clock())

    def _finish_handovers(self, now: float) -> None:
        for old, (new, give_up_at) in list(self._handovers.items()):
            if new not in self._workers or self._ready(new) or now >= give_up_at:
                del self._handovers[old]
                self._terminate(old, self.kill_timeout)

    def _terminate(self, pid: int, timeout: float) -> None:
        self._draining[pid] = self._clock() + timeout
        with contextlib.suppress(ProcessLookupError):  # already gone: the next reap clears it
            self._kill(pid, signal.SIGTERM)

    def _begin_shutdown(self) -> None:
        if not self._shutdown_begun:
            self._shutdown_begun = True
            self._restart_at.clear()
            for pid in [*self._workers, *self._handovers]:
                self._terminate(pid, self.shutdown_grace + self.kill_timeout)
            self._workers.clear()
            self._handovers.clear()
        if self._force_kill:
            for pid in self._draining:
                self._draining[pid] = 0.0

    def _enforce_deadlines(self, now: float) -> None:
        for pid, deadline in list(self._draining.items()):
            if now >= deadline:
                self._log(f"worker pid {pid} did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    self._kill(pid, signal.SIGKILL)
                self._draining[pid] = now + self.kill_timeout  # not again at every pass


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited unexpectedly with code {code}"
