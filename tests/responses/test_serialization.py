"""``django_bolt.serialization``: a handler result as the client receives it, outside a request;
and the release's response ``Cookie`` at the top level."""

from __future__ import annotations

import msgspec
import pytest
from django_bolt import JSON, Cookie, PlainText, Redirect, Response
from django_bolt.params import Cookie as CookieMarker
from django_bolt.serialization import (
    compile_response_handlers,
    serialize_plaintext_response,
    serialize_redirect_response,
    serialize_response,
    serialize_response_sync,
)


def test_a_dict_is_json_with_the_route_default_status():
    result = serialize_response_sync({"id": 1}, {"default_status_code": 201})
    assert result.status_code == 201
    assert result.media_type == "application/json"
    assert msgspec.json.decode(result.body) == {"id": 1}


def test_cookies_of_a_response_are_sent_once_each():
    response = PlainText("hi").set_cookie("a", "1").set_cookie("b", "2", httponly=True).delete_cookie("old")
    result = serialize_plaintext_response(response)
    sent = [v for k, v in result.headers if k == "set-cookie"]
    assert sent == [
        "a=1; Path=/; SameSite=Lax",
        "b=2; Path=/; HttpOnly; SameSite=Lax",
        'old=""; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=Lax',
    ]
    assert result.body == b"hi"


def test_redirect_and_kind_checks():
    result = serialize_redirect_response(Redirect("/next", status_code=302))
    assert result.status_code == 302 and ("location", "/next") in result.headers
    with pytest.raises(TypeError, match="PlainText"):
        serialize_plaintext_response(JSON({}))


def test_response_model_validates_as_on_a_route():
    class Item(msgspec.Struct):
        id: int

    assert serialize_response_sync({"id": "x"}, {"response_model": Item}).status_code == 500


async def test_async_form_gives_the_same_answer():
    result = await serialize_response(JSON({"ok": True}, status_code=202).set_cookie("t", "v"))
    assert result.status_code == 202 and ("set-cookie", "t=v; Path=/; SameSite=Lax") in result.headers


def test_meta_is_checked():
    assert compile_response_handlers({})["default_status_code"] == 200
    with pytest.raises(ValueError, match="default_status_code"):
        compile_response_handlers({"default_status_code": 999})
    with pytest.raises(TypeError):
        compile_response_handlers(None)


def test_top_level_cookie_is_the_response_cookie():
    cookie = Cookie("session", "abc", httponly=True)
    assert cookie.to_header_value() == "session=abc; Path=/; HttpOnly; SameSite=Lax"
    assert CookieMarker is not Cookie  # the parameter marker stays in params / param_functions


def test_set_cookie_keeps_cookie_objects_and_refuses_bad_ones():
    response = Response({}).set_cookie("s", "1", secure=True).delete_cookie("__Host-x")
    assert [c.name for c in response._cookies] == ["s", "__Host-x"]
    assert response._cookies[1].secure is True and response._cookies[1].max_age == 0
    for name, value in (("", "v"), ("a;b", "v"), ("a", "x\r\nSet-Cookie: e=1")):
        with pytest.raises(ValueError):
            Response({}).set_cookie(name, value)


def test_django_safe_strings_are_json_strings(client_for):
    from django.utils.safestring import mark_safe
    from django_bolt import BoltAPI

    api = BoltAPI()

    @api.get("/safe")
    async def safe() -> dict:
        return {"html": mark_safe("<b>x</b>")}

    assert client_for(api).get("/safe").json() == {"html": "<b>x</b>"}


def test_the_release_serializers_of_each_kind(tmp_path, settings):
    from django.http import HttpResponse
    from django_bolt.responses import File, FileResponse
    from django_bolt.serialization import (
        is_response_instance,
        serialize_django_response,
        serialize_file_response,
        serialize_file_streaming_response,
        serialize_json_data_sync,
    )

    settings.BOLT_ALLOWED_FILE_PATHS = [str(tmp_path)]  # read by each serialization's server
    path = tmp_path / "notes.txt"
    path.write_bytes(b"abc")
    for serialize, response in ((serialize_file_response, File), (serialize_file_streaming_response, FileResponse)):
        result = serialize(response(path, filename="n.txt"))
        assert (result.status_code, result.body, result.media_type) == (200, b"abc", "text/plain")
        assert dict(result.headers)["content-disposition"].startswith('attachment; filename="n.txt"')
    with pytest.raises(TypeError, match="expected a File"):
        serialize_file_response(FileResponse(path))
    django = serialize_django_response(HttpResponse("x", status=202, headers={"X-A": "1"}))
    assert (django.status_code, django.body, ("x-a", "1") in django.headers) == (202, b"x", True)
    data = serialize_json_data_sync({"a": 1}, {"default_status_code": 200}, status_code=201)
    assert (data.status_code, data.body, data.media_type) == (201, b'{"a":1}', "application/json")
    assert is_response_instance(JSON({})) and is_response_instance(HttpResponse())
    assert not is_response_instance({"a": 1})
    with pytest.raises(TypeError, match="takes data to encode"):
        serialize_json_data_sync(JSON({}))


async def test_serialize_json_data_in_async_code():
    from django_bolt.serialization import serialize_json_data

    data = await serialize_json_data([1, 2])
    assert (data.status_code, data.body) == (200, b"[1,2]")
