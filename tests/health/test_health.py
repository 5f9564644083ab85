"""Static routes (served without Python) and the health-check endpoints."""

import asyncio
import threading

import pytest
from django_bolt import BoltAPI
from django_bolt.health import (
    HealthCheck,
    _health_check,
    add_health_check,
    check_database,
    health_handler,
    ready_handler,
    register_health_checks,
)
from django_bolt.responses import HTML


def test_static_routes_are_rendered_once(client_for):
    api = BoltAPI()
    api.static("/ping", {"pong": True})
    api.static("/page", HTML("<b>hi</b>", headers={"Cache-Control": "max-age=60"}))
    api.static("/text", "plain", status_code=202)
    client = client_for(api)
    ping = client.get("/ping")
    assert (ping.status_code, ping.json(), ping.headers["content-type"]) == (200, {"pong": True}, "application/json")
    page = client.get("/page")
    assert page.text == "<b>hi</b>"
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "max-age=60"
    text = client.get("/text")
    assert (text.status_code, text.text) == (202, "plain")
    assert client.head("/ping").content == b""
    assert client.post("/ping").status_code == 405


def test_static_route_handler_is_not_called_per_request(client_for):
    api = BoltAPI()
    api.static("/once", {"n": 1})
    route = api.routes[0]
    calls = []
    original = route.handler

    def counting():
        calls.append(1)
        return original()

    route.handler = counting
    client = client_for(api)
    for _ in range(5):
        assert client.get("/once").json() == {"n": 1}
    assert calls == [1]  # rendered at compile time only


@pytest.mark.django_db(transaction=True)
def test_health_and_ready(client_for):
    api = BoltAPI()
    register_health_checks(api)
    client = client_for(api)
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "healthy",
        "checks": {"check_database": {"healthy": True, "message": "Database connection OK"}},
    }


@pytest.mark.django_db(transaction=True)
def test_failing_readiness_check_is_503(client_for):
    async def cache_reachable():
        return False

    def queue():
        raise ConnectionError("queue down")

    async def redis_check():  # the release's form: (healthy, message)
        return True, "Redis OK"

    async def queue_check():
        return False, "Queue connection timeout"

    for check in (cache_reachable, queue, redis_check, queue_check):
        add_health_check(check)
    try:
        api = BoltAPI()
        register_health_checks(api)
        response = client_for(api).get("/ready")
    finally:
        _health_check._checks.clear()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unhealthy",
        "checks": {
            "check_database": {"healthy": True, "message": "Database connection OK"},
            "cache_reachable": {"healthy": False, "message": "failed"},
            "queue": {"healthy": False, "message": "Check failed: ConnectionError: queue down"},
            "redis_check": {"healthy": True, "message": "Redis OK"},
            "queue_check": {"healthy": False, "message": "Queue connection timeout"},
        },
    }


def test_checks_of_a_health_check_run_concurrently():
    # Each check waits for the other to have started (asyncio.Barrier is 3.11+): run one after
    # the other, the first would time out.
    first_started, second_started = asyncio.Event(), asyncio.Event()

    async def first():
        first_started.set()
        await asyncio.wait_for(second_started.wait(), 5)
        return True, "first"

    async def second():
        second_started.set()
        await asyncio.wait_for(first_started.wait(), 5)
        return True, "second"

    def sync_check():
        return threading.current_thread().name

    checks = HealthCheck()
    for check in (first, second, sync_check):
        checks.add_check(check)
    report = asyncio.run(checks.run_checks())
    assert report["status"] == "healthy"
    assert report["checks"]["first"] == {"healthy": True, "message": "first"}
    assert report["checks"]["sync_check"] == {"healthy": True, "message": "ok"}


def test_check_database_reports_an_unreachable_database():
    # No django_db mark: pytest-django refuses the connection, as a database that is down would.
    healthy, message = asyncio.run(check_database())
    assert healthy is False and message.startswith("Database error: ")


@pytest.mark.django_db(transaction=True)
def test_check_database_and_the_handlers():
    assert asyncio.run(check_database()) == (True, "Database connection OK")
    assert asyncio.run(health_handler()) == {"status": "ok"}
    assert asyncio.run(ready_handler())["status"] == "healthy"
