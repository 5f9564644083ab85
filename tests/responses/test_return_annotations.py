"""What a handler's return annotation does without ``response_model``: validation of its results
(also of a ``Response`` with the route's status), streams for iterator types; and what a result
of ``None`` or a generator becomes."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
from django.contrib.auth.models import Group
from django_bolt import JSON, Response, StreamingResponse
from django_bolt.middleware import middleware
from django_bolt.serializers import Serializer
from django_bolt.serializers.fields import field


class Item(msgspec.Struct):
    id: int
    name: str = "x"


def test_a_result_is_checked_against_the_annotated_type(api, client_for, caplog):
    @api.get("/item")
    async def item(bad: bool = False) -> Item:
        return {"id": "not-an-int"} if bad else {"id": 1, "extra": "dropped"}

    @api.get("/items")
    def items() -> list[Item]:
        return [{"id": 1}, Item(id=2, name="y")]

    client = client_for(api)
    assert client.get("/item").json() == {"id": 1, "name": "x"}
    assert client.get("/items").json() == [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]
    with caplog.at_level(logging.ERROR, logger="django_bolt.error_handlers"):
        response = client.get("/item?bad=true")
    assert (response.status_code, response.json()) == (500, {"detail": "Response validation error"})
    [record] = [r for r in caplog.records if r.name == "django_bolt.error_handlers"]
    assert record.getMessage().startswith("Response Validation Error: GET /item")


def test_response_model_none_leaves_the_annotation_unchecked(api, client_for):
    @api.get("/loose", response_model=None)
    async def loose() -> Item:
        return {"id": "not-an-int"}

    @api.get("/checked")
    async def checked() -> Item:
        return {"id": "not-an-int"}

    client = client_for(api)
    assert (client.get("/loose").status_code, client.get("/loose").json()) == (200, {"id": "not-an-int"})
    assert client.get("/checked").status_code == 500


def test_annotations_that_do_not_describe_data_are_not_checked(api, client_for):
    @api.get("/dict")
    async def as_dict() -> dict:
        return {"anything": [1, "a"]}

    @api.get("/response")
    async def as_response() -> JSON:
        return JSON({"id": "free"})

    @api.get("/either")
    async def either(plain: bool = False) -> Item | Response:
        return Response({"free": True}, status_code=202) if plain else {"id": 3}

    @api.get("/model")
    def model() -> Group:  # msgspec cannot convert to a Django model: documents only
        return {"name": "admins"}

    @api.get("/off", validate_response=False)
    async def off() -> Item:
        return {"id": "unchecked"}

    client = client_for(api)
    assert client.get("/dict").json() == {"anything": [1, "a"]}
    assert client.get("/response").json() == {"id": "free"}
    assert client.get("/either").json() == {"id": 3, "name": "x"}
    assert client.get("/either?plain=true").status_code == 202
    assert client.get("/model").json() == {"name": "admins"}
    assert client.get("/off").json() == {"id": "unchecked"}


def test_a_response_with_the_route_status_carries_the_annotated_body(api, client_for):
    """The type describes the route status's body; other statuses (field errors) are sent as given."""

    @api.post("/items", status_code=201)
    async def create(flag: str = "ok") -> Item:
        if flag == "bad":
            return JSON({"price": ["Must be positive."]}, status_code=400)
        if flag == "wrong":
            return JSON({"name": "no id"}, status_code=201)
        if flag == "bytes":
            return Response(b'{"raw": true}', status_code=201, media_type="application/json")
        return Response({"id": 1, "extra": 1}, status_code=201)

    client = client_for(api)
    assert client.post("/items").json() == {"id": 1, "name": "x"}
    bad = client.post("/items?flag=bad")
    assert (bad.status_code, bad.json()) == (400, {"price": ["Must be positive."]})
    assert client.post("/items?flag=wrong").status_code == 500
    assert client.post("/items?flag=bytes").json() == {"raw": True}


def test_the_same_holds_under_python_middleware(api, client_for):
    class Passthrough:
        def __init__(self, get_response):
            self.get_response = get_response

        async def __call__(self, request):
            return await self.get_response(request)

    @api.get("/item")
    @middleware(Passthrough)
    async def item(flag: str = "ok") -> Item:
        return JSON({"id": "x"}) if flag == "wrong" else {"id": 1}

    client = client_for(api)
    assert client.get("/item").json() == {"id": 1, "name": "x"}
    assert client.get("/item?flag=wrong").status_code == 500


def test_an_iterator_annotation_streams_json_lines(api, client_for):
    @api.get("/typed")
    async def typed() -> AsyncIterator[Item]:
        async def rows():
            yield Item(id=1)
            yield {"id": 2, "name": "y"}

        return rows()

    @api.get("/bad")
    def bad() -> Iterator[Item]:
        return iter([{"id": 1}, {"id": "no"}])

    @api.get("/text")
    def text() -> Iterator[str]:
        return iter(["a,", "b"])

    client = client_for(api)
    response = client.get("/typed")
    assert response.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line) for line in response.text.splitlines()] == [
        {"id": 1, "name": "x"},
        {"id": 2, "name": "y"},
    ]
    assert client.get("/text").content == b"a,b"
    # An item that fails its type ends the stream after the good ones (the status was sent).
    with pytest.raises(Exception):  # noqa: B017, PT011 - the transport's error for a broken stream
        client.get("/bad").read()


def test_a_returned_generator_is_streamed(api, client_for):
    @api.get("/async")
    async def async_chunks():
        async def chunks():
            yield b"a"
            yield "b"

        return chunks()

    @api.get("/sync")
    def sync_chunks():
        return (chunk for chunk in ("c", "d"))

    client = client_for(api)
    assert client.get("/async").content == b"ab"
    assert client.get("/sync").content == b"cd"


def test_none_is_an_error_unless_the_status_has_no_body(api, client_for, caplog):
    @api.get("/forgot")
    async def forgot():
        pass

    @api.delete("/items/{item_id}", status_code=204, response_model=Item)
    async def delete(item_id: int):
        return None

    @api.get("/maybe", response_model=Item | None)
    async def maybe():
        return None

    client = client_for(api)
    with caplog.at_level(logging.ERROR, logger="django_bolt.error_handlers"):
        assert client.get("/forgot").status_code == 500
    assert any("returned None" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    deleted = client.delete("/items/1")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get("/maybe").json() is None


def test_streaming_response_names_the_mistake():
    def chunks():
        yield "a"

    with pytest.raises(TypeError, match="Call your generator function with parentheses"):
        StreamingResponse(chunks)
    with pytest.raises(TypeError, match="must be a generator instance"):
        StreamingResponse(lambda: "a")


class Cat(msgspec.Struct, tag=True, tag_field="kind"):
    name: str


class Account(Serializer, tag=True, tag_field="kind"):
    name: str
    password: str = field(write_only=True, default="")


def test_a_union_with_a_serializer_sends_its_output_form(api, client_for):
    @api.get("/either")
    async def either(cat: bool = False) -> Cat | Account:
        return Cat(name="tom") if cat else Account(name="ann", password="secret")

    client = client_for(api)
    assert client.get("/either").json() == {"kind": "Account", "name": "ann"}
    assert client.get("/either?cat=true").json() == {"kind": "Cat", "name": "tom"}
