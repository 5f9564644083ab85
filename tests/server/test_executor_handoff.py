"""Async handlers resumed by the pool thread that finished their ``sync_to_async`` /
``run_in_executor`` work (``BoltEventLoop._resolve``), over a real socket: asgiref's and Django's
rules still hold (routes in tests/testapp/handoff_routes.py)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.server.wire import roundtrip


def get(server, path: str) -> dict:
    r = roundtrip(server.port, "GET", path, timeout=10)
    assert r.status == 200, r.body
    return r.json()


def test_thread_sensitive_calls_share_one_thread_and_the_task_goes_on(server):
    body = get(server, "/handoff/threads")
    first, second = body["sensitive"]
    assert first == second  # asgiref's single thread for thread-sensitive code
    assert body["unsafe"] != first  # thread_sensitive=False: the loop's default pool
    assert body["task"] is True and body["loop"] is True


def test_thread_sensitive_calls_share_one_database_connection(server):
    for _ in range(3):
        first, second = get(server, "/handoff/connection")["ids"]
        assert first == second


def test_synchronous_orm_after_the_hand_off_is_still_refused(server):
    body = get(server, "/handoff/orm-after-await")
    assert body["refused"] is True and isinstance(body["count"], int)


def test_exceptions_of_the_pool_work_reach_the_handler(server):
    body = get(server, "/handoff/errors")
    assert body["raised"] == "raised in the pool thread"
    # Under BOLT_EVENT_LOOP="uvloop" (the CI uvloop stage) there is no hand-off.
    assert body["stop_iteration"] == ("RuntimeError" if body["bolt_loop"] else None)


def test_a_timer_armed_after_the_hand_off_fires(server):
    body = get(server, "/handoff/then-sleep?seconds=0.05")
    assert 0.045 <= body["slept"] < 4


def test_async_to_sync_inside_sync_to_async_stays_on_its_thread(server):
    body = get(server, "/handoff/nested")
    assert body["outer"] == body["inner"]


def test_default_pool(server):
    body = get(server, "/handoff/default-pool")
    assert isinstance(body["pool"], int)


def test_work_cancelled_in_the_queue_never_runs(server):
    body = get(server, f"/handoff/cancel-queued?tag={uuid.uuid4().hex}")
    assert body == {"cancelled": True, "ran": False}


def test_concurrent_hand_offs_all_answer(server):
    """Many requests resumed by the ORM thread at once, mixed with timers after the hand-off."""

    def one(i: int) -> int:
        path = "/handoff/then-sleep?seconds=0.01" if i % 3 == 0 else "/handoff/connection"
        return roundtrip(server.port, "GET", path, timeout=15).status

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(one, range(24), timeout=30))
    assert statuses == [200] * 24
