"""PostgreSQL failing under a running server, over real sockets: a restart under load, a killed
backend, the database down and back. Only requests in flight when it fails may fail."""

from __future__ import annotations

import time

import pytest

from tests.db.conftest import backends
from tests.db.load import Load

PATHS = ["/db/sync", "/db/async", "/db/async-orm?title=x", "/db/count?title=x", "/db/nothing"]


def statuses(outcomes) -> dict[int, int]:
    counted: dict[int, int] = {}
    for outcome in outcomes:
        counted[outcome.status] = counted.get(outcome.status, 0) + 1
    return counted


@pytest.mark.parametrize(
    ("processes", "settings"),
    [
        ("1", {}),
        ("2", {}),
        ("2", {"BOLT_TEST_CONN_MAX_AGE": "none", "BOLT_TEST_CONN_HEALTH_CHECKS": "1"}),
    ],
    ids=["conn-max-age-0", "processes-2", "persistent-health-checks"],
)
def test_restart_under_load_fails_only_requests_in_flight(cluster, db_server, processes, settings):
    server = db_server("--processes", processes, **settings)
    with Load(server.url, PATHS) as load:
        load.wait_for_requests(100)
        stopping = time.monotonic()
        cluster.restart()  # fast shutdown: every session is ended, then a new postmaster
        back = time.monotonic()
        load.wait_for_requests(300)
    before = [o for o in load.outcomes if o.ended < stopping]
    after = [o for o in load.outcomes if o.started > back]
    assert statuses(before) == {200: len(before)}
    assert len(after) >= 250
    assert statuses(after) == {200: len(after)}, [o for o in after if o.status != 200][:5]


def test_restart_under_load_with_token_auth_revocation_store_and_user_loading(cluster, db_server):
    """The revocation store queries on blocking threads, the user loader on its own threads."""
    server = db_server()
    with server.client() as client:
        token = client.post("/db/users", params={"username": f"u{time.monotonic_ns()}"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with Load(server.url, ["/db/me", "/db/async"], headers=headers) as load:
        load.wait_for_requests(60)
        stopping = time.monotonic()
        cluster.restart()
        back = time.monotonic()
        load.wait_for_requests(150)
    before = [o for o in load.outcomes if o.ended < stopping]
    after = [o for o in load.outcomes if o.started > back]
    assert statuses(before) == {200: len(before)}
    assert after and statuses(after) == {200: len(after)}, [o for o in after if o.status != 200][:5]


def test_database_down_ready_is_503_health_200_and_the_server_recovers(cluster, db_server):
    server = db_server("--processes", "2")
    with server.client() as client:
        assert client.get("/ready").status_code == 200
        cluster.stop()
        try:
            started = time.monotonic()
            ready = client.get("/ready", timeout=5.0)
            assert ready.status_code == 503, ready.text
            assert ready.json()["checks"]["check_database"]["message"].startswith("Database error: ")
            assert time.monotonic() - started < 5.0
            assert client.get("/health").status_code == 200
            assert client.get("/db/sync").status_code == 500
            assert client.get("/db/nothing").status_code == 200
        finally:
            cluster.start()
        # No restart of the server: the next requests find the database again.
        assert [client.get("/ready").status_code for _ in range(10)] == [200] * 10
        assert [client.get(p).status_code for p in PATHS * 4] == [200] * len(PATHS) * 4


def test_connections_stay_bounded_by_the_thread_pools_under_load(cluster, db_server):
    """Persistent connections: one per blocking thread that ran a handler, one for asgiref's ORM
    thread; the number sampled in pg_stat_activity under load never passes that."""
    threads = 4
    server = db_server(BOLT_TEST_CONN_MAX_AGE="none", BOLT_TEST_BLOCKING_THREADS=str(threads))
    peak = 0
    with Load(server.url, PATHS, threads=12) as load:
        deadline = time.monotonic() + 3.0  # samples taken while the load runs
        while time.monotonic() < deadline:
            peak = max(peak, backends(cluster))
        load.wait_for_requests(50)
    assert statuses(load.outcomes) == {200: len(load.outcomes)}
    print(f"peak sessions under load: {peak} (blocking threads {threads} + ORM thread 1)")
    assert 1 <= peak <= threads + 1


def test_psycopg_pool_under_load(cluster, db_server):
    pytest.importorskip("psycopg_pool", reason="psycopg_pool is not installed")
    server = db_server(BOLT_TEST_PG_POOL="1,3", BOLT_TEST_BLOCKING_THREADS="8")
    peak = 0
    with Load(server.url, PATHS, threads=12) as load:
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            peak = max(peak, backends(cluster))
        load.wait_for_requests(50)
        cluster.restart()
        back = time.monotonic()
        load.wait_for_requests(150)
    after = [o for o in load.outcomes if o.started > back]
    assert peak <= 3
    assert after and statuses(after) == {200: len(after)}, [o for o in after if o.status != 200][:5]
