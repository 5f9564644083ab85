"""PostgreSQL for the benchmarks (``--db postgres``): one private cluster, started the way the test
suite starts its own (tests/pg_server.py: ``initdb`` into a temporary directory, ``postgres`` on a
Unix socket only), with one database per server so both sides see the same fresh rows."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.pg_server import PostgresServer, binaries, new_root  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster() -> PostgresServer:
    """A started cluster; the caller removes it (``cluster.remove()``)."""
    if binaries() is None:
        raise RuntimeError("--db postgres needs PostgreSQL's initdb/postgres (apt-get install postgresql)")
    cluster = PostgresServer(new_root(), _free_port()).init()
    cluster.start()
    return cluster


def database_env(cluster: PostgresServer, name: str) -> dict[str, str]:
    """Creates database ``bench_<name>`` and returns the environment that points
    bench/app/benchproject/settings.py at it."""
    database = f"bench_{name}"
    cluster.execute(f'DROP DATABASE IF EXISTS "{database}"')
    cluster.execute(f'CREATE DATABASE "{database}"')
    return {
        "BENCH_DB": "postgres",
        "BENCH_PG_HOST": str(cluster.socket_dir),
        "BENCH_PG_PORT": str(cluster.port),
        "BENCH_PG_NAME": database,
    }
