"""Static routes (served without Python) and the health-check endpoints."""

import pytest
from django_bolt import BoltAPI
from django_bolt.health import _checks, add_health_check, register_health_checks
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
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db(transaction=True)
def test_failing_readiness_check_is_503(client_for):
    async def cache_reachable():
        return False

    def queue():
        raise ConnectionError("queue down")

    add_health_check(cache_reachable)
    add_health_check(queue)
    try:
        api = BoltAPI()
        register_health_checks(api)
        response = client_for(api).get("/ready")
    finally:
        _checks.clear()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "cache_reachable": "failed",
            "queue": "failed: ConnectionError: queue down",
        },
    }
