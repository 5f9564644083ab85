"""``BOLT_EMIT_SIGNALS = True``: Django's ``request_started``/``request_finished`` around every
handler, sync and async (so ``close_old_connections`` runs as under Django's own handlers);
off (the default), a route has no signal step at all."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.test import override_settings
from django_bolt import BoltAPI
from django_bolt.testing import TestClient

# Django's close_old_connections receiver looks at the threads' database connections.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def received():
    seen: list[tuple[str, object]] = []

    def started(sender, scope=None, **kwargs):
        seen.append(("started", scope and scope["path"]))

    def finished(sender, **kwargs):
        seen.append(("finished", None))

    request_started.connect(started)
    request_finished.connect(finished)
    yield seen
    request_started.disconnect(started)
    request_finished.disconnect(finished)


def _api(seen: list) -> BoltAPI:
    api = BoltAPI()

    @api.get("/sync")
    def sync_handler() -> dict:
        seen.append(("handler", "sync"))
        return {"ok": True}

    @api.get("/async")
    async def async_handler() -> dict:
        seen.append(("handler", "async"))
        return {"ok": True}

    @api.get("/fails")
    async def failing() -> dict:
        raise RuntimeError("boom")

    return api


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_signals_surround_the_handler(received, path) -> None:
    with override_settings(BOLT_EMIT_SIGNALS=True):
        assert TestClient(_api(received)).get(path).status_code == 200
    kind = path.lstrip("/")
    assert received == [("started", path), ("handler", kind), ("finished", None)]


def test_finished_is_sent_when_the_handler_raises(received) -> None:
    with override_settings(BOLT_EMIT_SIGNALS=True):
        assert TestClient(_api(received)).get("/fails").status_code == 500
    assert received == [("started", "/fails"), ("finished", None)]


def test_off_by_default_and_then_routes_have_no_signal_step(received) -> None:
    api = _api(received)
    assert TestClient(api).get("/async").status_code == 200
    assert received == [("handler", "async")]
    record = api._compile_route(api.routes[1])
    assert record["chain"] is None
    with override_settings(BOLT_EMIT_SIGNALS=True):
        from django_bolt.conf import BoltConfig

        assert api._compile_route(api.routes[1], BoltConfig.from_settings())["chain"].stages == ("request_signals",)
