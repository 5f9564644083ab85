"""``BoltAPI(logging_config=...)``: requests, responses and exceptions logged through Python."""

from __future__ import annotations

import io
import logging
from contextlib import redirect_stderr
from queue import Queue

import pytest
from django_bolt import BoltAPI
from django_bolt.exceptions import HTTPException
from django_bolt.logging import LoggingConfig, LoggingMiddleware, create_logging_middleware
from django_bolt.logging.config import _DropOnFullQueueHandler
from django_bolt.logging.stage import RequestView


@pytest.fixture
def records(caplog):
    caplog.set_level(logging.DEBUG, logger="tests.requests")
    return lambda: [r for r in caplog.records if r.name == "tests.requests"]


def _logged_api(**options) -> BoltAPI:
    api = BoltAPI(logging_config=LoggingConfig(logger_name="tests.requests", **options))

    @api.get("/items/{item_id}")
    async def item(item_id: int) -> dict:
        if item_id == 0:
            raise HTTPException(404, "no such item")
        if item_id < 0:
            raise RuntimeError("broken item")
        return {"id": item_id}

    @api.post("/login")
    def login(body: dict) -> dict:
        return {"ok": True}

    return api


def test_each_request_and_response_is_logged_at_the_level_of_its_status(client_for, records):
    client = client_for(_logged_api(), raise_server_exceptions=False)
    assert client.get("/items/5").status_code == 200
    assert client.get("/items/0").status_code == 404
    assert client.get("/items/-1").status_code == 500
    by_message = [(r.levelname, r.getMessage()) for r in records()]
    assert ("DEBUG", "GET /items/5") in by_message
    assert ("INFO", "GET /items/5 200") in by_message
    assert ("WARNING", "GET /items/0 404") in by_message
    assert ("ERROR", "GET /items/-1 500") in by_message
    exception = next(r for r in records() if r.getMessage().startswith("Exception in GET /items/-1"))
    assert exception.exc_info is not None and exception.exception_type == "RuntimeError"


def test_secrets_are_masked_and_the_body_logged_only_when_asked(client_for, records):
    api = _logged_api(request_log_fields={"method", "path", "headers", "body"}, log_request_body=True)
    client = client_for(api)
    response = client.post("/login", json={"user": "ann"}, headers={"Authorization": "Bearer s3cret", "X-Trace": "t1"})
    assert response.status_code == 200
    request_record = next(r for r in records() if r.levelno == logging.DEBUG)
    assert request_record.headers["authorization"] == "***"
    assert request_record.headers["x-trace"] == "t1"
    assert request_record.body == '{"user":"ann"}'
    assert "s3cret" not in repr(request_record.__dict__)


def test_skip_paths_status_codes_and_slow_only(client_for, records):
    api = _logged_api(skip_paths={"/items/7"}, skip_status_codes={404}, min_duration_ms=10_000)
    client = client_for(api)
    client.get("/items/7")
    client.get("/items/0")
    client.get("/items/5")  # fast: below min_duration_ms
    assert [r.getMessage() for r in records() if r.levelno >= logging.INFO] == []


def test_an_api_without_logging_config_has_no_logging_stage():
    api = BoltAPI()

    @api.get("/plain")
    async def plain() -> dict:
        return {}

    record = api._compile_route(api.routes[0])
    assert record["chain"] is None
    assert api._logging_middleware is None


def test_enable_logging_false_turns_logging_config_off():
    api = BoltAPI(logging_config=LoggingConfig(), enable_logging=False)
    assert api._logging_middleware is None


def test_mount_keeps_the_logging_config_of_the_mounted_api(client_for, records):
    parent = BoltAPI()
    parent.mount("/v1", _logged_api())
    client_for(parent).get("/v1/items/3")
    assert ("INFO", "GET /v1/items/3 200") in [(r.levelname, r.getMessage()) for r in records()]


def test_bad_options_are_refused():
    with pytest.raises(TypeError, match="LoggingConfig"):
        BoltAPI(logging_config={"logger_name": "x"})
    with pytest.raises(ValueError, match="sample_rate"):
        LoggingConfig(sample_rate=2)
    with pytest.raises(TypeError, match="unknown LoggingConfig field"):
        create_logging_middleware(sample_rat=0.5)


def test_client_ip_comes_from_the_server_not_from_client_headers(client_for, records):
    api = _logged_api(request_log_fields={"method", "path", "client_ip"})
    client_for(api).get("/items/5", headers={"X-Forwarded-For": "6.6.6.6"})
    request_record = next(r for r in records() if r.levelno == logging.DEBUG)
    assert getattr(request_record, "client_ip", "") != "6.6.6.6"


def test_request_view_reads_the_release_keys(client_for):
    seen = {}
    api = BoltAPI()

    @api.get("/view")
    async def view(request) -> dict:
        v = RequestView(request)
        seen.update(method=v.get("method"), path=v["path"], query=v.get("query_params"))
        return {}

    client_for(api).get("/view?a=1")
    assert seen == {"method": "GET", "path": "/view", "query": {"a": "1"}}


def test_the_log_queue_drops_records_when_full_without_tracebacks():
    queue: Queue = Queue(maxsize=1)
    handler = _DropOnFullQueueHandler(queue)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    err = io.StringIO()
    with redirect_stderr(err):
        for _ in range(4):
            handler.emit(record)
    assert handler.dropped_count == 3 and queue.qsize() == 1
    assert "Traceback" not in err.getvalue() and err.getvalue().count("\n") == 1


def test_sampling_zero_logs_no_success_but_every_error(records):
    middleware = LoggingMiddleware(LoggingConfig(logger_name="tests.requests", sample_rate=0.0))
    for _ in range(20):
        middleware.log_response({"method": "GET", "path": "/a"}, 200, 0.01)
    middleware.log_response({"method": "GET", "path": "/a"}, 503, 0.01)
    assert [r.getMessage() for r in records()] == ["GET /a 503"]
