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
from pathlib import Path

from .conf import BoltConfig
from .workers import MIB, WorkerSupervisor

WORKER_FLAG = "--bolt-worker-process"
#: Set for the workers of ``--dev``: one that cannot load the API answers with the error instead of exiting.
DEV_WORKER_ENV = "DJANGO_BOLT_DEV_WORKER"
#: How many times ``--dev`` has reloaded the workers, in each worker's environment ("0" at first).
DEV_RELOAD_COUNT_ENV = "DJANGO_BOLT_DEV_RELOAD_COUNT"
#: A replacement worker that is not listening after this long is given up on.
READY_TIMEOUT = 60.0


def is_dev_worker() -> bool:
    """Whether this process is a worker of ``runbolt --dev`` (its supervisor sets ``DEV_WORKER_ENV``)."""
    return os.environ.get(DEV_WORKER_ENV) == "1"


def _single_process_args(args: list[str]) -> list[str]:
    """Command arguments for one worker: without ``--dev`` and the worker flag, with
    ``--processes`` set to 1 (in the form it was given, else appended)."""
    cleaned: list[str] = []
    forced = False
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith(WORKER_FLAG) or arg == "--dev":
            continue
        if arg == "--processes":
            cleaned += ["--processes", "1"]
            forced = skip = True
        elif arg.startswith("--processes="):
            cleaned.append("--processes=1")
            forced = True
        else:
            cleaned.append(arg)
    return cleaned if forced else [*cleaned, "--processes", "1"]


_MAIN_FROM_SYS = object()


def _dev_worker_main_module(main_module: object = _MAIN_FROM_SYS) -> str | None:
    """The module given to ``python -m`` (``pkg`` for ``pkg/__main__.py``), None for a script.

    A worker must start the way the supervisor was started: ``-m src.manage`` puts the current
    directory on ``sys.path``; running the same file as a script would not.
    """
    if main_module is _MAIN_FROM_SYS:
        main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    name = getattr(spec, "name", None)
    if not name:
        return None
    if name == "__main__" or name.endswith(".__main__"):
        return getattr(spec, "parent", None) or None
    return name


def _build_dev_worker_command(
    argv: list[str] | None = None, executable: str | None = None, main_module: str | None = None
) -> list[str]:
    """The command of a worker started from ``sys.argv``-shaped ``argv``: the same interpreter and
    script (``-m main_module`` when given, see ``_dev_worker_main_module``), the same arguments,
    one process, no ``--dev``."""
    argv = sys.argv if argv is None else argv
    head = [executable or sys.executable]
    head += ["-m", main_module] if main_module else argv[:1]
    return [*head, *_single_process_args(argv[1:])]


def worker_command() -> list[str]:
    """The command line of a worker: this process's own (``manage.py`` or ``-m module``, its
    arguments and its interpreter options such as ``-X``/``-W``), one process, no ``--dev``.

    The worker flag and its readiness pipe are appended per worker by ``Supervisor.spawn``.
    """
    command = _build_dev_worker_command(sys.argv, main_module=_dev_worker_main_module())
    return [command[0], *subprocess._args_from_interpreter_flags(), *command[1:]]


#: Files whose change reloads the workers under --dev: code, and templates (Django's cached
#: template loader keeps a worker's templates until it restarts).
WATCHED_SUFFIXES = (".py", ".html")


#: Directories --dev does not look into (besides any whose name starts with a dot): caches,
#: environments and build output, whose writes are not edits of the project.
DEV_RELOAD_IGNORE_DIRS = (
    "__pycache__",
    "node_modules",
    "venv",
    "build",
    "dist",
    "target",
)
#: A change reloads the workers once the watched files have stayed unchanged this long, so a save,
#: checkout or formatter run touching many files reloads once, after its last write.
DEV_RELOAD_DEBOUNCE_MS = 50
#: How often --dev scans the watched files when nothing has changed.
DEV_RELOAD_SCAN_SECONDS = 0.5


def watched_files(roots: list[Path]) -> Iterator[Path]:
    skip = set(DEV_RELOAD_IGNORE_DIRS)
    for root in roots:
        if root.is_file():
            yield root
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith(".")]
            for name in filenames:
                if name.endswith(WATCHED_SUFFIXES):
                    yield Path(dirpath) / name


def snapshot(roots: list[Path]) -> dict[Path, float]:
    stamps = {}
    for path in watched_files(roots):
        try:
            stamps[path] = path.stat().st_mtime
        except OSError:
            continue
    return stamps


class Supervisor:
    """Runs ``WorkerSupervisor`` with real worker processes: each is this command again with the
    worker flag, a readiness pipe and the shared listening socket. Adds what a server needs around
    it: signals (SIGTERM/SIGINT stop, a second one kills, SIGHUP replaces every worker), ``--dev``
    reloads, and refusing new clients at once when stopping."""

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
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        #: Pid -> read end of the pipe the worker writes to once it listens (closed once read).
        self.ready_fds: dict[int, int] = {}
        self.ready: set[int] = set()
        self.reload_requested = threading.Event()
        self.watch_roots = watch_roots or []
        self.worker_env = {**os.environ, DEV_WORKER_ENV: "1", DEV_RELOAD_COUNT_ENV: "0"} if dev_workers else None
        self.reloads = 0
        self.listener = listening_socket(config.host, config.port, config.backlog)
        self.listening = True
        self.pool = WorkerSupervisor(
            processes=config.processes,
            spawn=self.spawn,
            max_rss_bytes=config.max_rss_mb * MIB or None,
            lifetime_seconds=config.workers_lifetime or None,
            respawn_failed=config.respawn_failed_workers,
            kill_timeout=config.workers_kill_timeout,
            check_interval=0.1,
            log=log,
            is_ready=self.is_ready,
            on_exit=self.on_exit,
            ready_timeout=READY_TIMEOUT,
            shutdown_grace=config.shutdown_grace,
            between_passes=self.between_passes,
        )
        self.stamps: dict[Path, float] = {}
        self.next_scan = 0.0
        #: The first file of a burst of changes not yet answered by a reload.
        self.first_change: Path | None = None

    # ---------------------------------------------------------------- processes

    def spawn(self, slot: int) -> int:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        try:
            fds = (write_fd, self.listener.fileno())
            flag = f"{WORKER_FLAG}={write_fd},{fds[1]},{os.getpid()}"
            process = subprocess.Popen([*self.command, flag], pass_fds=fds, env=self.worker_env)
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        self.processes[process.pid] = process
        self.ready_fds[process.pid] = read_fd
        self.log(f"worker {slot} started (pid {process.pid})")
        return process.pid

    def is_ready(self, pid: int) -> bool:
        """Whether the worker listens: it writes one byte to its pipe then (EOF: it died first)."""
        fd = self.ready_fds.get(pid)
        if fd is not None:
            try:
                data = os.read(fd, 1)
            except BlockingIOError:
                return False
            except OSError:
                data = b""
            del self.ready_fds[pid]
            os.close(fd)
            if data:
                self.ready.add(pid)
        return pid in self.ready

    def on_exit(self, pid: int, status: int) -> None:
        process = self.processes.pop(pid, None)
        if process is not None:
            process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        fd = self.ready_fds.pop(pid, None)
        if fd is not None:
            os.close(fd)
        self.ready.discard(pid)

    # ---------------------------------------------------------------- lifecycle

    def between_passes(self) -> None:
        if self.pool.shutdown_requested:
            if self.listening:
                self.log("stopping: waiting for in-flight requests")
                self.stop_listening()
            return
        if self.reload_requested.is_set():
            self.reload_requested.clear()
            self.log("SIGHUP: starting new workers; the old ones drain once these listen")
            self.pool.replace_all("is replaced (SIGHUP)")
        if self.config.dev and time.monotonic() >= self.next_scan:
            current = snapshot(self.watch_roots)
            changed = [p for p, m in current.items() if self.stamps.get(p) != m]
            changed += [p for p in self.stamps if p not in current]
            self.stamps = current
            if changed:
                # Still changing: look again after the debounce, and reload once it settles.
                self.first_change = self.first_change or changed[0]
                self.next_scan = time.monotonic() + DEV_RELOAD_DEBOUNCE_MS / 1000
                return
            self.next_scan = time.monotonic() + DEV_RELOAD_SCAN_SECONDS
            if self.first_change is not None:
                self.log(f"{self.first_change} changed; reloading workers")
                self.first_change = None
                self.reloads += 1
                if self.worker_env is not None:
                    self.worker_env[DEV_RELOAD_COUNT_ENV] = str(self.reloads)
                self.pool.replace_all("runs old code")

    def stop_listening(self) -> None:
        """Stops accepting in every process at once, so new clients are refused, not left waiting.

        The workers share this socket: closing only our descriptor would keep it listening until
        the last worker lets go of its copy, and clients the kernel accepted meanwhile would wait
        unanswered. On Linux, ``shutdown`` on a listening socket ends the listen state for all
        descriptors; elsewhere it fails, and each worker closes its copy on SIGTERM.
        """
        self.listening = False
        try:
            self.listener.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        self.listener.close()

    def run(self) -> int:
        def request_stop(signum: int, _frame: object) -> None:
            if self.pool.shutdown_requested:
                self.log("stopping now: killing workers without waiting")
            self.pool.request_shutdown()

        def request_reload(signum: int, _frame: object) -> None:
            self.reload_requested.set()

        signals = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, request_stop) for sig in signals}
        # Started by nohup (SIGHUP ignored): a closed terminal must not replace the workers either.
        if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
            previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, request_reload)
        if self.config.dev:
            self.stamps = snapshot(self.watch_roots)
            self.next_scan = time.monotonic() + DEV_RELOAD_SCAN_SECONDS
        try:
            return self.pool.run()
        finally:
            if self.listening:
                self.stop_listening()
            for fd in self.ready_fds.values():
                os.close(fd)
            self.ready_fds.clear()
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
