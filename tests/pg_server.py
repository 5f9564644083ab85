"""A real PostgreSQL server for the tests: ``initdb`` into a temporary directory, ``postgres`` on a
private port with its socket in that directory (no TCP, nothing shared with a system cluster).

``BOLT_DB=postgres`` runs the suite's database tests on it (tests/settings.py, tests/conftest.py);
the fault tests (tests/db) start clusters of their own to stop, restart and kill backends.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests import temp_dirs

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
SUPERUSER = "bolt"


def binaries() -> Path | None:
    """The directory of ``initdb``/``postgres``: ``BOLT_PG_BIN``, PATH, or Debian's versioned one."""
    configured = os.environ.get("BOLT_PG_BIN")
    if configured:
        return Path(configured)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(debian[-1]).parent if debian else None


def _as_server_user() -> dict:
    """PostgreSQL refuses to run as root: as root, its processes run as the ``postgres`` user."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres"}


class PostgresServer:
    """One cluster; ``start``/``stop``/``restart`` keep the data directory."""

    def __init__(self, root: Path, port: int) -> None:
        self.bin = binaries()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL's initdb is not installed")
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "socket"
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.log = root / "postgres.log"

    def init(self) -> PostgresServer:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        owner = _as_server_user()
        if owner:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        result = subprocess.run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-EUTF8", "--no-sync"],
            capture_output=True,
            text=True,
            timeout=120,
            **owner,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        return self

    def start(self) -> None:
        log = open(self.log, "ab")  # noqa: SIM115 - the server writes to it until it stops
        self.proc = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.socket_dir),
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            **_as_server_user(),
        )
        log.close()
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.accepts_queries():
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited during startup:\n{self.log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"postgres did not answer within {START_TIMEOUT}s")
            time.sleep(0.05)

    def accepts_queries(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.dsn("postgres"), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Fast shutdown (SIGINT): open sessions are ended, as ``pg_ctl stop -m fast``."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def dsn(self, dbname: str) -> str:
        return f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname={dbname}"

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(self.dsn(dbname), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def env(self, dbname: str) -> dict[str, str]:
        """The environment that points tests/settings.py at this cluster."""
        return {
            "BOLT_DB": "postgres",
            "BOLT_PG_HOST": str(self.socket_dir),
            "BOLT_PG_PORT": str(self.port),
            "BOLT_PG_NAME": dbname,
        }

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def new_root() -> Path:
    # Short: a Unix socket path must stay under ~100 bytes.
    return temp_dirs.make("bolt-pg-")
