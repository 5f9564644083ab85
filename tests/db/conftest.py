"""A PostgreSQL cluster of this module's own (stopped, restarted and its backends killed by the
tests) and ``runbolt`` servers pointed at it with connection settings per test.

These tests run in ci/test.sh's PostgreSQL stage (``BOLT_DB=postgres``); elsewhere they skip
with the budgeted reason below (tests/skips.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import postgres_or_skip
from tests.server.conftest import REPO, ServerProcess, _base_env, launch

ONLY_IN_POSTGRES_STAGE = "PostgreSQL fault tests run in the PostgreSQL stage (BOLT_DB=postgres)"
API = "tests.testapp.db_api.api"
DB_NAME = "bolt_faults"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    if os.environ.get("BOLT_DB") != "postgres":
        pytest.skip(ONLY_IN_POSTGRES_STAGE)
    pg_server = postgres_or_skip()
    server = pg_server.PostgresServer(pg_server.new_root(), 5432).init()
    server.start()
    try:
        server.execute(f"CREATE DATABASE {DB_NAME}")
        env = {**_base_env(tmp_path_factory.mktemp("unused") / "x.sqlite3"), **server.env(DB_NAME)}
        migrated = subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--settings", "tests.settings", "--noinput", "-v", "0"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrated.returncode == 0, migrated.stderr
        yield server
    finally:
        server.remove()


def backends(cluster) -> int:
    """Sessions the servers hold on the test database (this query's own excluded)."""
    rows = cluster.execute(
        f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB_NAME}' AND pid <> pg_backend_pid()"
    )
    return rows[0][0]


@pytest.fixture
def db_server(cluster, tmp_path) -> Iterator[Callable[..., ServerProcess]]:
    """``db_server(*runbolt_args, **env)``: a server of tests/testapp/db_api.py on the cluster."""
    started: list[ServerProcess] = []

    def start(*args: str, **extra_env: str) -> ServerProcess:
        env = {**cluster.env(DB_NAME), "BOLT_TEST_API": API, **extra_env}
        server = launch(tmp_path / "unused.sqlite3", tmp_path, env, name="db", args=list(args))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
