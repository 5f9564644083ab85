"""The runbolt supervisor: starts worker processes, restarts them, recycles and reloads them.

The supervisor binds the port once; each worker is a fresh ``runbolt`` process (the same command
line plus an internal flag) that inherits that listening socket and accepts from it. With one
shared accept queue a stopping or dying worker never strands connections the kernel already
accepted (separate SO_REUSEPORT sockets reset theirs when they close). The supervisor itself
never serves; it only watches its children.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .conf import BoltConfig

WORKER_FLAG = "--bolt-worker-process"
#: Set for the workers of ``--dev``: one that cannot load the API answers with the error instead of exiting.
DEV_WORKER_ENV = "DJANGO_BOLT_DEV_WORKER"
#: A replacement worker that is not listening after this long is given up on.
READY_TIMEOUT = 60.0

#: A worker that dies sooner than this after starting counts as a failed start (back-off grows).
QUICK_DEATH = 5.0
MAX_BACKOFF = 10.0


def worker_command(argv: list[str]) -> list[str]:
    """The command line of a worker: the supervisor's own, minus process management flags.

    The worker flag and its readiness pipe are appended per worker by ``Supervisor.spawn``.
    """
    args = [a for a in argv if not a.startswith(WORKER_FLAG) and a != "--dev"]
    cleaned: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--processes":
            skip = True
            continue
        if arg.startswith("--processes="):
            continue
        cleaned.append(arg)
    return cleaned


def original_argv() -> list[str]:
    """The interpreter command line that started this process (``-m django`` kept)."""
    orig = getattr(sys, "orig_argv", None)
    if orig:
        return [sys.executable, *orig[1:]]
    return [sys.executable, *sys.argv]


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB (Linux /proc, else ``ps``)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
        return int(out.stdout.strip()) / 1024
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def python_files(roots: list[Path]) -> Iterator[Path]:
    skip = {"__pycache__", ".git", "node_modules", ".venv", "venv", ".tox"}
    for root in roots:
        if root.is_file():
            yield root
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith(".")]
            for name in filenames:
                if name.endswith(".py"):
                    yield Path(dirpath) / name


def snapshot(roots: list[Path]) -> dict[Path, float]:
    stamps = {}
    for path in python_files(roots):
        try:
            stamps[path] = path.stat().st_mtime
        except OSError:
            continue
    return stamps


@dataclass
class Worker:
    slot: int
    process: subprocess.Popen[bytes]
    #: Read end of the pipe the worker writes to once it listens.
    ready_fd: int
    started: float = field(default_factory=time.monotonic)
    stopping_since: float | None = None
    lifetime: float = 0.0
    ready: bool = False

    def poll_ready(self) -> bool:
        if not self.ready and self.ready_fd >= 0:
            try:
                data = os.read(self.ready_fd, 1)
            except BlockingIOError:
                return False
            except OSError:
                data = b""
            self.ready = bool(data)
            os.close(self.ready_fd)
            self.ready_fd = -1
        return self.ready

    def close(self) -> None:
        if self.ready_fd >= 0:
            os.close(self.ready_fd)
            self.ready_fd = -1


class Supervisor:
    def __init__(
        self,
        config: BoltConfig,
        command: list[str],
        log: Callable[[str], None],
        watch_roots: list[Path] | None = None,
        dev_workers: bool = False,
    ) -> None:
        self.config = config
        self.command = command
        self.log = log
        self.workers: dict[int, Worker] = {}
        self.retiring: list[Worker] = []
        #: Old workers kept serving until their replacement listens: (old, replacement).
        self.handovers: list[tuple[Worker, Worker]] = []
        self.failures: dict[int, int] = {}
        self.restart_at: dict[int, float] = {}
        self.stop_requested = threading.Event()
        self.reload_requested = threading.Event()
        self.watch_roots = watch_roots or []
        self.worker_env = {**os.environ, DEV_WORKER_ENV: "1"} if dev_workers else None
        self.listener = listening_socket(config.host, config.port, config.backlog)

    # ---------------------------------------------------------------- processes

    def spawn(self, slot: int) -> Worker:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        try:
            fds = (write_fd, self.listener.fileno())
            flag = f"{WORKER_FLAG}={write_fd},{fds[1]},{os.getpid()}"
            process = subprocess.Popen([*self.command, flag], pass_fds=fds, env=self.worker_env)
        finally:
            os.close(write_fd)
        lifetime = self.config.workers_lifetime
        if lifetime:
            # Spread recycling out so the workers do not all restart at once.
            lifetime += lifetime * 0.1 * slot / max(1, self.config.processes)
        worker = Worker(slot, process, read_fd, lifetime=lifetime)
        self.workers[slot] = worker
        self.log(f"worker {slot} started (pid {process.pid})")
        return worker

    def retire(self, worker: Worker, reason: str) -> None:
        """Starts a replacement; the old worker keeps serving until the new one listens, then drains."""
        self.log(f"worker {worker.slot} (pid {worker.process.pid}) {reason}; replacing it")
        replacement = self.spawn(worker.slot)
        worker.stopping_since = None
        self.handovers.append((worker, replacement))

    def _finish_handovers(self) -> None:
        waiting = []
        for old, new in self.handovers:
            done = new.poll_ready() or new.process.poll() is not None
            if done or time.monotonic() - new.started > READY_TIMEOUT:
                self._terminate(old)
                self.retiring.append(old)
            else:
                waiting.append((old, new))
        self.handovers = waiting

    def _terminate(self, worker: Worker) -> None:
        if worker.stopping_since is None:
            worker.stopping_since = time.monotonic()
            try:
                worker.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _reap_retiring(self) -> None:
        now = time.monotonic()
        still = []
        for worker in self.retiring:
            if worker.process.poll() is not None:
                continue
            if worker.stopping_since is not None and now - worker.stopping_since > self.config.workers_kill_timeout:
                self.log(f"worker pid {worker.process.pid} did not stop in time; killing it")
                worker.process.kill()
                worker.process.wait()
                continue
            still.append(worker)
        self.retiring = still

    def _describe_exit(self, code: int) -> str:
        if code < 0:
            try:
                return f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with code {code}"

    def check_workers(self) -> None:
        now = time.monotonic()
        for slot in list(self.workers):
            worker = self.workers[slot]
            code = worker.process.poll()
            if code is None:
                self._check_limits(worker, now)
                continue
            del self.workers[slot]
            worker.close()
            lived = now - worker.started
            self.failures[slot] = self.failures.get(slot, 0) + 1 if lived < QUICK_DEATH else 0
            if not self.config.respawn_failed_workers:
                self.log(f"worker {slot} (pid {worker.process.pid}) {self._describe_exit(code)}; not restarting")
                continue
            delay = 0.0 if self.failures[slot] <= 1 else min(MAX_BACKOFF, 0.5 * 2 ** (self.failures[slot] - 2))
            self.log(
                f"worker {slot} (pid {worker.process.pid}) {self._describe_exit(code)}; "
                f"restarting {'now' if not delay else f'in {delay:.1f}s'}"
            )
            self.restart_at[slot] = now + delay
        for slot, when in list(self.restart_at.items()):
            if now >= when and not self.stop_requested.is_set():
                del self.restart_at[slot]
                self.spawn(slot)

    def _check_limits(self, worker: Worker, now: float) -> None:
        # Limits apply from the moment a worker listens (a starting worker is never recycled).
        if not worker.poll_ready() or worker.stopping_since is not None:
            return
        if worker.lifetime and now - worker.started > worker.lifetime:
            self.retire(worker, f"reached its lifetime of {self.config.workers_lifetime:g}s")
            return
        if self.config.max_rss_mb:
            rss = rss_mib(worker.process.pid)
            if rss is not None and rss > self.config.max_rss_mb:
                self.retire(worker, f"uses {rss:.0f} MiB, above --max-rss {self.config.max_rss_mb}")

    # ---------------------------------------------------------------- lifecycle

    def reload_all(self, changed: Path) -> None:
        self.log(f"{changed} changed; reloading workers")
        self.replace_all("runs old code")

    def replace_all(self, reason: str) -> None:
        """Replaces every worker; each old one serves until its replacement listens, then drains.

        The listening socket is the supervisor's and stays open throughout, so a connection that
        arrives during the handover waits in the shared backlog for whichever worker accepts next.
        """
        for worker in list(self.workers.values()):
            self.retire(worker, reason)

    def _wait(self, worker: Worker, timeout: float) -> None:
        try:
            worker.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.log(f"worker pid {worker.process.pid} did not stop in time; killing it")
            worker.process.kill()
            worker.process.wait()

    def stop_listening(self) -> None:
        """Stops accepting in every process at once, so new clients are refused, not left waiting.

        The workers share this socket: closing only our descriptor would keep it listening until
        the last worker lets go of its copy, and clients the kernel accepted meanwhile would wait
        unanswered. On Linux, ``shutdown`` on a listening socket ends the listen state for all
        descriptors; elsewhere it fails, and each worker closes its copy on SIGTERM.
        """
        try:
            self.listener.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        self.listener.close()

    def shutdown(self) -> None:
        everyone = list(self.workers.values()) + self.retiring + [old for old, _ in self.handovers]
        self.handovers.clear()
        self.stop_listening()
        for worker in everyone:
            self._terminate(worker)
        deadline = self.config.shutdown_grace + self.config.workers_kill_timeout
        for worker in everyone:
            self._wait(worker, max(0.1, deadline))
            worker.close()
        self.workers.clear()
        self.retiring.clear()

    def stop_now(self) -> None:
        """A second interrupt: every worker is killed without waiting for in-flight requests."""
        self.log("stopping now: killing workers without waiting")
        everyone = list(self.workers.values()) + self.retiring + [w for pair in self.handovers for w in pair]
        for worker in everyone:
            try:
                worker.process.kill()
            except ProcessLookupError:
                pass

    def run(self) -> int:
        def request_stop(signum: int, _frame: object) -> None:
            if self.stop_requested.is_set():
                self.stop_now()
            self.stop_requested.set()

        def request_reload(signum: int, _frame: object) -> None:
            self.reload_requested.set()

        signals = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, request_stop) for sig in signals}
        if hasattr(signal, "SIGHUP"):
            previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, request_reload)
        try:
            for slot in range(self.config.processes):
                self.spawn(slot)
            stamps = snapshot(self.watch_roots) if self.config.dev else {}
            next_scan = time.monotonic() + 0.5
            while not self.stop_requested.wait(0.1):
                if self.reload_requested.is_set():
                    self.reload_requested.clear()
                    self.log("SIGHUP: starting new workers; the old ones drain once these listen")
                    self.replace_all("is replaced (SIGHUP)")
                self.check_workers()
                self._finish_handovers()
                self._reap_retiring()
                if self.config.dev and time.monotonic() >= next_scan:
                    current = snapshot(self.watch_roots)
                    changed = [p for p, m in current.items() if stamps.get(p) != m] + [
                        p for p in stamps if p not in current
                    ]
                    stamps = current
                    next_scan = time.monotonic() + 0.5
                    if changed:
                        self.reload_all(changed[0])
            self.log("stopping: waiting for in-flight requests")
            self.shutdown()
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """The one socket every worker accepts from (bound here, so a busy port fails at once)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def exit_with_parent(parent_pid: int) -> None:
    """In a worker: drain and exit when the supervisor disappears, so no worker is orphaned.

    ``parent_pid`` comes from the supervisor itself: a worker still starting up when the supervisor
    dies has already been re-parented, so its own ``getppid()`` would not tell.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="bolt-parent-watch", daemon=True).start()
