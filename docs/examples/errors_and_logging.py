import logging

from django_bolt import JSON, BoltAPI
from django_bolt.error_handlers import problem_details
from django_bolt.logging import LoggingConfig
from django_bolt.serializers import Serializer
from django_bolt.testing import TestClient


class Item(Serializer):
    id: int
    name: str


class Problem(Serializer):
    detail: str


api = BoltAPI(
    # Every error the framework makes (404, 401, 422, 429, HTTPException, crashes) as RFC 9457.
    error_formatter=problem_details,
    # Requests and responses logged through Python logging, secrets masked.
    logging_config=LoggingConfig(
        logger_name="shop.requests",
        request_log_fields={"method", "path", "headers"},
        response_log_fields={"status_code", "duration"},
    ),
)


@api.get("/items/{item_id}", response_model={200: Item, 404: Problem})
async def get_item(item_id: int):
    if item_id != 1:
        return 404, {"detail": f"no item {item_id}"}
    return {"id": 1, "name": "Lamp"}


@api.post("/login")
async def login() -> JSON:
    return JSON({"ok": True}).set_cookie("session", "s3cr3t", httponly=True, secure=True)


logging.getLogger("shop.requests").setLevel(logging.DEBUG)
client = TestClient(api)
assert client.get("/items/1").json() == {"id": 1, "name": "Lamp"}
assert client.get("/items/2").status_code == 404  # the handler's own answer, validated by Problem

problem = client.get("/items/abc")  # a framework error: formatted as a problem
assert problem.headers["content-type"] == "application/problem+json"
assert problem.json()["status"] == 422 and problem.json()["instance"] == "/items/abc"

assert "HttpOnly" in client.post("/login", headers={"Authorization": "Bearer t0ken"}).headers["set-cookie"]
