"""Django's connection lifecycle under runbolt, on a real PostgreSQL: CONN_MAX_AGE 0/N/None,
CONN_HEALTH_CHECKS, transactions a handler leaves open, ATOMIC_REQUESTS, psycopg's pool."""

from __future__ import annotations

import time
import uuid

from tests.db.conftest import backends


def unique() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_conn_max_age_0_closes_after_each_request(cluster, db_server):
    server = db_server()
    with server.client() as client:
        pids = [client.get(path).json()["pid"] for path in ["/db/sync", "/db/async"] * 3]
    assert len(set(pids)) == len(pids)  # a new session for every request, sync and async
    assert wait_for(lambda: backends(cluster) == 0), backends(cluster)


def test_persistent_connections_stay_one_per_thread(cluster, db_server):
    server = db_server(BOLT_TEST_CONN_MAX_AGE="none")
    seen: dict[int, set[int]] = {}
    with server.client() as client:
        for _ in range(30):
            body = client.get("/db/sync").json()
            seen.setdefault(body["thread"], set()).add(body["pid"])
        asynchronous = {client.get("/db/async").json()["pid"] for _ in range(5)}
    assert all(len(pids) == 1 for pids in seen.values()), seen
    assert len(asynchronous) == 1  # the ORM thread keeps its one session
    assert backends(cluster) <= len(seen) + 1


def test_conn_max_age_seconds_reconnects_after_the_age(cluster, db_server):
    server = db_server(BOLT_TEST_CONN_MAX_AGE="1", BOLT_TEST_BLOCKING_THREADS="1")
    with server.client() as client:
        first = client.get("/db/sync").json()["pid"]
        assert client.get("/db/sync").json()["pid"] == first  # younger than CONN_MAX_AGE: kept
        time.sleep(1.1)  # the age itself is what is tested
        # Closed before the next handler runs (Django's request-start check), not after it.
        assert client.get("/db/sync").json()["pid"] != first


def test_killed_backend_with_health_checks_next_request_succeeds(cluster, db_server):
    server = db_server(BOLT_TEST_CONN_MAX_AGE="none", BOLT_TEST_CONN_HEALTH_CHECKS="1")
    with server.client() as client:
        pids = {client.get("/db/sync").json()["pid"] for _ in range(10)}
        pids.add(client.get("/db/async").json()["pid"])
        for pid in pids:
            cluster.execute(f"SELECT pg_terminate_backend({pid})")
        sync = [client.get("/db/sync").status_code for _ in range(10)]
        async_ = [client.get("/db/async").status_code for _ in range(10)]
    assert sync == [200] * 10
    # asgiref's ORM thread has no request-start check (docs/databases.md): its dead session may
    # fail the one request that finds it, never a later one.
    assert async_.count(500) <= 1 and async_[1:] == [200] * 9


def test_killed_backend_without_health_checks_fails_one_request_per_thread(cluster, db_server):
    server = db_server(BOLT_TEST_CONN_MAX_AGE="none", BOLT_TEST_BLOCKING_THREADS="1")
    with server.client() as client:
        pid = client.get("/db/sync").json()["pid"]
        cluster.execute(f"SELECT pg_terminate_backend({pid})")
        first = client.get("/db/sync")
        after = [client.get("/db/sync") for _ in range(5)]
    assert first.status_code == 500  # as under Django: the dead session is found by using it
    assert [r.status_code for r in after] == [200] * 5
    assert pid not in {r.json()["pid"] for r in after}


def test_transaction_left_open_is_rolled_back(cluster, db_server):
    server = db_server(BOLT_TEST_CONN_MAX_AGE="none", BOLT_TEST_BLOCKING_THREADS="1")
    with server.client() as client:
        atomic, manual = unique(), unique()
        assert client.post("/db/leak-atomic", params={"title": atomic}).json() == {"in_atomic_block": True}
        assert client.post("/db/leak-autocommit", params={"title": manual}).json() == {"autocommit": False}
        for title in (atomic, manual):
            assert client.get("/db/count", params={"title": title}).json() == {"count": 0}
            assert client.get("/db/async-orm", params={"title": title}).json() == {"count": 0}
        kept = unique()
        assert client.post("/db/create", params={"title": kept}).status_code == 200
        assert client.get("/db/count", params={"title": kept}).json() == {"count": 1}
    idle_in_transaction = cluster.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'bolt_faults' AND state LIKE 'idle in transaction%'"
    )
    assert idle_in_transaction == [(0,)]


def test_atomic_requests_roll_back_a_failed_sync_handler(cluster, db_server):
    server = db_server(BOLT_TEST_ATOMIC_REQUESTS="1")
    with server.client() as client:
        failed, kept, opted_out = unique(), unique(), unique()
        assert client.post("/db/create-then-fail", params={"title": failed}).status_code == 500
        assert client.post("/db/create", params={"title": kept}).status_code == 200
        assert client.post("/db/create-non-atomic", params={"title": opted_out}).status_code == 500
        counts = {t: client.get("/db/count", params={"title": t}).json()["count"] for t in (failed, kept, opted_out)}
    assert counts == {failed: 0, kept: 1, opted_out: 1}


def test_without_atomic_requests_a_failed_handler_keeps_its_insert(cluster, db_server):
    server = db_server()
    with server.client() as client:
        title = unique()
        assert client.post("/db/create-then-fail", params={"title": title}).status_code == 500
        assert client.get("/db/count", params={"title": title}).json() == {"count": 1}


def test_routes_without_database_open_no_connection(cluster, db_server):
    server = db_server(BOLT_TEST_CONN_MAX_AGE="none")
    with server.client() as client:
        for _ in range(20):
            assert client.get("/db/nothing").status_code == 200
    assert backends(cluster) == 0
