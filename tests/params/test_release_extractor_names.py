"""``django_bolt._kwargs.extractors``: the release's private names for the decoders our routes
use for form and parameter models (code written against the release imports them)."""

from __future__ import annotations

import inspect
from typing import Annotated

import msgspec
import pytest
from django_bolt import BoltAPI, UploadFile
from django_bolt._json import _DECODER_CACHE
from django_bolt._kwargs import create_body_extractor, get_msgspec_decoder
from django_bolt._kwargs.extractors import (
    _collect_sequence_field_names,
    _create_param_struct_extractor,
    _is_sequence_field,
)
from django_bolt.exceptions import RequestValidationError
from django_bolt.params import Form
from django_bolt.testing import TestClient


class Survey(msgspec.Struct, rename="camel"):
    name: str
    tag_list: list[str] = []
    scores: tuple[int, ...] = ()
    note: str | None = None


class WithUpload(msgspec.Struct):
    label: str
    attachment: UploadFile | None = None


def test_sequence_fields_are_named_as_sent_in_field_order():
    assert [_is_sequence_field(t) for t in (list[int] | None, frozenset[str], tuple[str, ...])] == [True] * 3
    assert [_is_sequence_field(t) for t in (str, int | None, dict[str, str], bytes)] == [False] * 4
    assert _collect_sequence_field_names(Survey) == ("tagList", "scores")
    assert _collect_sequence_field_names(WithUpload) == ()


def test_the_extractor_decodes_as_the_route_does():
    api = BoltAPI()

    @api.post("/survey")
    async def survey(data: Annotated[Survey, Form()]):
        return {"tags": data.tag_list, "scores": list(data.scores)}

    # One value of a sequence field is a list of one, over the wire and through the extractor.
    response = TestClient(api).post("/survey", data={"name": "a", "tagList": "solo", "scores": "7"})
    assert response.json() == {"tags": ["solo"], "scores": [7]}
    extract = _create_param_struct_extractor(Survey, inspect.Parameter.empty, "form")
    assert extract.needs_files_map is False
    decoded = extract({"name": "a", "tagList": "solo", "scores": "7"})
    assert (decoded.tag_list, decoded.scores) == (["solo"], (7,))

    bad = TestClient(api).post("/survey", data={"name": "a", "scores": "x"})
    with pytest.raises(RequestValidationError) as caught:
        extract({"name": "a", "scores": "x"})
    assert bad.status_code == 422 and bad.json()["detail"] == caught.value.errors()


def test_a_struct_with_uploads_takes_the_files_apart():
    extract = _create_param_struct_extractor(WithUpload, inspect.Parameter.empty, "form")
    assert extract.needs_files_map is True
    info = {"filename": "dir/note.txt", "content": b"hello", "content_type": "text/plain", "size": 5}
    decoded = extract({"label": "x"}, {"attachment": info})
    assert (decoded.attachment.filename, decoded.attachment.read()) == ("note.txt", b"hello")
    assert extract({"label": "x"}).attachment is None


def test_query_models_use_the_query_decoder():
    class Page(msgspec.Struct):
        size: Annotated[int, msgspec.Meta(le=50)] = 10

    extract = _create_param_struct_extractor(Page, inspect.Parameter.empty, "query")
    assert extract({"size": 20}).size == 20
    with pytest.raises(RequestValidationError) as caught:
        extract({"size": 99})
    assert caught.value.errors()[0]["loc"][0] == "query"


class Order(msgspec.Struct):
    item: str
    count: int


def test_a_json_body_is_decoded_by_one_decoder_per_type():
    _DECODER_CACHE.pop(Order, None)
    api = BoltAPI()

    @api.post("/orders")
    async def create(order: Order):
        return {"count": order.count}

    client = TestClient(api)
    assert client.post("/orders", json={"item": "a", "count": 2}).json() == {"count": 2}
    decoder = _DECODER_CACHE[Order]  # made when the route was compiled, shared from then on
    assert get_msgspec_decoder(Order) is decoder and get_msgspec_decoder(list[Order]) is not decoder

    extract = create_body_extractor("order", Order)
    assert extract(b'{"item": "a", "count": 3}') == Order("a", 3)
    raw = b'{"count": "x"}'
    with pytest.raises(RequestValidationError) as caught:
        extract(raw)
    answer = client.post("/orders", content=raw, headers={"content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["detail"] == caught.value.errors()
    assert {tuple(e["loc"]) for e in caught.value.errors()} == {("body", "item"), ("body", "count")}
