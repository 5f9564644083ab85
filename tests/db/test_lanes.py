"""The lanes of async routes with Django middleware (``django_bolt.lanes``) on a real PostgreSQL:
a request's sync work and queries share one thread and session, and the lanes give their
sessions back when the request ends (CONN_MAX_AGE 0) or keep at most one each (persistent)."""

from __future__ import annotations

import time

from tests.db.conftest import backends
from tests.db.load import Load
from tests.db.test_faults import statuses
from tests.db.test_lifecycle import wait_for


def test_a_lane_request_uses_one_thread_and_closes_its_session_under_load(cluster, db_server):
    server = db_server()
    with server.client() as client:
        bodies = [client.get("/db/lane").json() for _ in range(5)]
    for body in bodies:
        assert body["thread"] == body["hook_thread"], body  # the hook and the query: one lane
        assert body["count"] == 0
    assert len({body["pid"] for body in bodies}) == len(bodies)  # CONN_MAX_AGE 0: a session each
    peak = 0
    threads = 8
    with Load(server.url, ["/db/lane", "/db/async", "/db/sync"], threads=threads) as load:
        deadline = time.monotonic() + 2.0  # samples taken while the load runs
        while time.monotonic() < deadline:
            peak = max(peak, backends(cluster))
        load.wait_for_requests(50)
    assert statuses(load.outcomes) == {200: len(load.outcomes)}
    # One session per request in flight, plus those a finished request's lane is closing.
    assert 1 <= peak <= 2 * threads, peak
    assert wait_for(lambda: backends(cluster) == 0), backends(cluster)


def test_persistent_lane_sessions_stay_one_per_lane(cluster, db_server):
    server = db_server(BOLT_TEST_CONN_MAX_AGE="none")
    with server.client() as client:
        # One request at a time: the same idle lane serves each, with its one session.
        pids = {client.get("/db/lane").json()["pid"] for _ in range(10)}
    assert len(pids) == 1
    threads = 8
    with Load(server.url, ["/db/lane"], threads=threads) as load:
        load.wait_for_requests(150)
    assert statuses(load.outcomes) == {200: len(load.outcomes)}
    # At most one lane per request in flight, each with one session (the idle ones kept).
    assert 1 <= backends(cluster) <= threads
