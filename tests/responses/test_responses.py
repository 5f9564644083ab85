"""Responses: JSON encoding of return values, response classes, status, headers, cookies, models."""

import dataclasses
import datetime
import decimal
import uuid

import msgspec
import pytest
from django_bolt.responses import HTML, JSON, PlainText, Redirect, Response


class User(msgspec.Struct):
    id: int
    name: str


class PublicUser(msgspec.Struct):
    name: str


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_plain_values_become_json(api, client_for):
    @api.get("/dict")
    async def as_dict():
        return {"a": 1, "when": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)}

    @api.get("/list")
    async def as_list():
        return [1, "two", None, uuid.UUID(int=1), decimal.Decimal("1.5")]

    @api.get("/struct")
    async def as_struct():
        return User(id=1, name="ana")

    @api.get("/dataclass")
    def as_dataclass():
        return Point(1, 2)

    client = client_for(api)
    response = client.get("/dict")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"a": 1, "when": "2024-01-02T03:04:05Z"}
    assert client.get("/list").json() == [1, "two", None, "00000000-0000-0000-0000-000000000001", "1.5"]
    assert client.get("/struct").json() == {"id": 1, "name": "ana"}
    assert client.get("/dataclass").json() == {"x": 1, "y": 2}


def test_status_code_option(api, client_for):
    @api.post("/things", status_code=201)
    async def create():
        return {"created": True}

    response = client_for(api).post("/things")
    assert response.status_code == 201
    assert response.json() == {"created": True}


def test_response_classes(api, client_for):
    @api.get("/json")
    async def json_response():
        return JSON({"ok": True}, status_code=202, headers={"X-Extra": "1"})

    @api.get("/text")
    async def text():
        return PlainText("hello")

    @api.get("/html")
    async def html():
        return HTML("<h1>Hi</h1>")

    @api.get("/raw")
    async def raw():
        return Response(b"\x00\x01", media_type="application/octet-stream", headers={"Cache-Control": "no-store"})

    @api.get("/go")
    async def go():
        return Redirect("/elsewhere")

    @api.get("/go-permanent")
    async def go_permanent():
        return Redirect("https://example.com/", status_code=301)

    client = client_for(api)
    r = client.get("/json")
    assert (r.status_code, r.json(), r.headers["x-extra"]) == (202, {"ok": True}, "1")
    r = client.get("/text")
    assert (r.text, r.headers["content-type"]) == ("hello", "text/plain; charset=utf-8")
    r = client.get("/html")
    assert (r.text, r.headers["content-type"]) == ("<h1>Hi</h1>", "text/html; charset=utf-8")
    r = client.get("/raw")
    assert (r.content, r.headers["content-type"], r.headers["cache-control"]) == (
        b"\x00\x01",
        "application/octet-stream",
        "no-store",
    )
    r = client.get("/go", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, "/elsewhere")
    assert client.get("/go-permanent", follow_redirects=False).status_code == 301


def test_strings_and_bytes_returned_directly(api, client_for):
    @api.get("/s")
    async def s():
        return "plain"

    @api.get("/b")
    async def b():
        return b"bytes"

    client = client_for(api)
    assert client.get("/s").headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get("/b").headers["content-type"] == "application/octet-stream"


def test_cookies_set_and_deleted(api, client_for):
    @api.get("/login")
    async def login():
        response = JSON({"ok": True})
        response.set_cookie("session", "abc", max_age=3600, httponly=True, secure=True, samesite="strict")
        response.delete_cookie("old")
        return response

    response = client_for(api).get("/login")
    cookies = response.headers.get_list("set-cookie")
    assert cookies[0] == "session=abc; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Strict"
    assert cookies[1].startswith('old=""; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT')


def test_cookie_injection_is_rejected():
    with pytest.raises(ValueError):
        JSON({}).set_cookie("a", "b\r\nSet-Cookie: evil=1")
    with pytest.raises(ValueError):
        Redirect("/x\r\nLocation: evil")


def test_header_injection_from_handler_is_a_500(api, client_for):
    @api.get("/bad")
    async def bad():
        return JSON({}, headers={"X-Evil": "a\r\nSet-Cookie: x=1"})

    response = client_for(api).get("/bad")
    assert response.status_code == 500
    assert "set-cookie" not in response.headers


def test_response_model_validates_and_shapes(api, client_for):
    @api.get("/user", response_model=PublicUser)
    async def user():
        return {"name": "ana", "password": "secret"}

    @api.get("/users", response_model=list[PublicUser])
    async def users():
        return [User(id=1, name="a"), User(id=2, name="b")]

    @api.get("/broken", response_model=User)
    async def broken():
        return {"name": "no id"}

    client = client_for(api)
    assert client.get("/user").json() == {"name": "ana"}
    assert client.get("/users").json() == [{"name": "a"}, {"name": "b"}]
    assert client.get("/broken").status_code == 500


def test_content_length_and_empty_204(api, client_for):
    @api.delete("/thing", status_code=204)
    async def delete():
        return Response(None, status_code=204)

    client = client_for(api)
    response = client.delete("/thing")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-length" not in response.headers
