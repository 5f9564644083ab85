"""``django_bolt.concurrency``: blocking code from async code on bounded pools, with the caller's
contextvars, the ORM work on the ORM pool and the database connection handled like a request's;
and the lane names of the release with the answers that are true here."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest
from django.contrib.auth import get_user_model
from django_bolt import BoltAPI, Request, concurrency
from django_bolt.auth import JWTAuthentication, create_jwt_for_user
from django_bolt.concurrency import (
    LaneAffinityError,
    in_lane_mode,
    in_orm_executor_thread,
    run_in_orm_executor,
    run_orm_blocking,
    sync_to_thread,
)

_tenant: contextvars.ContextVar[str] = contextvars.ContextVar("tenant", default="none")


def _where() -> tuple[str, bool, str]:
    return threading.current_thread().name, in_orm_executor_thread(), _tenant.get()


def test_sync_to_thread_runs_off_the_loop_thread_with_the_callers_context():
    def join(a: str, *, b: str) -> str:
        return f"{a}{b}{_tenant.get()}"

    async def main():
        _tenant.set("acme")
        return threading.current_thread().name, await sync_to_thread(_where), await sync_to_thread(join, "x", b="y")

    loop_thread, (thread, in_orm, tenant), joined = asyncio.run(main())
    assert thread != loop_thread and thread.startswith("bolt-blocking")
    assert (in_orm, tenant, joined) == (False, "acme", "xyacme")


def test_sync_to_thread_raises_what_the_callable_raises():
    def fail() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        asyncio.run(sync_to_thread(fail))


def test_run_in_orm_executor_runs_on_the_orm_pool_with_the_callers_context():
    async def main():
        _tenant.set("globex")
        return await run_in_orm_executor(_where)

    thread, in_orm, tenant = asyncio.run(main())
    assert thread.startswith("bolt_orm_pool") and in_orm and tenant == "globex"
    assert not in_orm_executor_thread()  # the test's own thread is not a pool thread


def test_an_event_loop_inside_an_orm_thread_does_not_wait_on_its_own_pool():
    # Every ORM thread waits on a nested loop that hands work to the ORM pool: that work must
    # go elsewhere, or the pool would wait on itself for ever.
    workers = concurrency._ORM_THREADS
    barrier = threading.Barrier(workers, timeout=10)

    def nested() -> tuple[str, bool, str]:
        barrier.wait()
        return asyncio.run(run_in_orm_executor(_where))

    pool = concurrency._get_orm_executor()
    results = [f.result(timeout=10) for f in [pool.submit(nested) for _ in range(workers)]]
    assert all(thread.startswith("bolt-blocking") and not in_orm for thread, in_orm, _ in results)


def test_run_orm_blocking_runs_inline_without_a_loop_and_on_the_orm_pool_on_a_loop():
    _tenant.set("inline")
    here = run_orm_blocking(_where)
    assert here == (threading.current_thread().name, False, "inline")

    async def on_loop():
        _tenant.set("looped")
        return run_orm_blocking(_where)

    thread, in_orm, tenant = asyncio.run(on_loop())
    assert thread.startswith("bolt_orm_pool") and in_orm and tenant == "looped"


@pytest.mark.django_db(transaction=True)
def test_orm_work_from_the_loop_queries_the_database():
    model = get_user_model()
    model.objects.create_user("ada")

    async def main():
        with_orm = await run_in_orm_executor(lambda: model.objects.get(username="ada").username)
        blocking = run_orm_blocking(lambda: model.objects.count())
        threaded = await sync_to_thread(lambda: list(model.objects.values_list("username", flat=True)))
        return with_orm, blocking, threaded

    assert asyncio.run(main()) == ("ada", 1, ["ada"])


def test_no_lane_outside_a_sync_request_with_django_middleware():
    async def main():
        return in_lane_mode(), await sync_to_thread(in_lane_mode)

    assert in_lane_mode() is False
    assert asyncio.run(main()) == (False, False)
    assert issubclass(LaneAffinityError, RuntimeError)


@pytest.mark.django_db(transaction=True)
def test_request_user_is_loaded_on_the_orm_pool(client_for):
    user = get_user_model().objects.create_user("bob")
    seen: list[tuple[str, bool]] = []

    class Loader:
        def load_user(self, user_id: str, claims: object) -> object:
            seen.append((threading.current_thread().name, in_orm_executor_thread()))
            return get_user_model().objects.get(pk=user_id)

    api = BoltAPI(auth=[JWTAuthentication(user_loader=Loader())])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"username": (await request.auser()).username}

    response = client_for(api).get("/me", headers={"Authorization": f"Bearer {create_jwt_for_user(user)}"})
    assert response.json() == {"username": "bob"}
    assert seen and all(name.startswith("bolt_orm_pool") and in_orm for name, in_orm in seen)
