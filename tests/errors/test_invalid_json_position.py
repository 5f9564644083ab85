"""A body that is not JSON: the 422 names the line and column (``parse_msgspec_decode_error``)."""

from __future__ import annotations

import msgspec
import pytest
from django_bolt.exceptions import parse_msgspec_decode_error
from django_bolt.serializers import Serializer


class Item(msgspec.Struct):
    name: str


class User(Serializer):
    name: str


def _decode_error(body: bytes) -> Exception:
    with pytest.raises((msgspec.DecodeError, UnicodeDecodeError)) as caught:
        msgspec.json.decode(body)
    return caught.value


def test_parse_msgspec_decode_error_locates_the_error():
    body = b'{"a": 1,\n "b": oops}'
    parsed = parse_msgspec_decode_error(_decode_error(body), body)
    assert parsed["type"] == "json_invalid"
    assert parsed["loc"] == ("body", 2, 7)
    assert parsed["ctx"]["byte_position"] == 15 and (parsed["ctx"]["line"], parsed["ctx"]["column"]) == (2, 7)
    first, line, caret = parsed["msg"].split("\n")
    assert first.startswith("Invalid JSON at line 2, column 7: JSON is malformed")
    assert line[caret.index("^")] == "o"
    # No position in msgspec's message (the body ends too early): the message alone.
    truncated = parse_msgspec_decode_error(_decode_error(b'{"a":'), b'{"a":')
    assert truncated["loc"] == ("body",) and "ctx" not in truncated


def test_a_long_line_is_shown_around_the_column_only():
    body = b"[" + b"1," * 5000 + b"x]"
    parsed = parse_msgspec_decode_error(_decode_error(body), body)
    _, line, caret = parsed["msg"].split("\n")
    assert len(line) <= 82 and line[caret.index("^")] == "x"
    assert len(parsed["input"]) == 200


def test_the_422_of_a_route_and_of_a_serializer_gives_the_place(api, client_for):
    @api.post("/items")
    async def create(item: Item):
        return {}

    response = client_for(api).post(
        "/items", content=b'{\n  "name": ?!\n}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == "json_invalid" and error["loc"] == ["body"]
    assert error["msg"].startswith("Invalid JSON at line 2, column 11: ")
    assert set(error) == {"loc", "msg", "type"}  # the wire shape of every 422 entry
    assert "?!" not in error["msg"]  # the body is not echoed

    with pytest.raises(ValueError) as caught:
        User.model_validate_json(b"\xff")
    (error,) = caught.value.errors_list()
    assert error["ctx"]["column"] == 1
