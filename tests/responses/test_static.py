"""Static routes (``api.static``) are converted by the same Rust code as handler results, once at
startup: what a handler would send is what the static route sends."""

from __future__ import annotations

import pytest
from django_bolt import BoltAPI
from django_bolt.responses import HTML, FileResponse, Response, StreamingResponse

FRAMING = {"content-length": "99", "transfer-encoding": "chunked", "connection": "close"}


def _static_and_handler(client_for, make_response):
    """A client for an API serving ``make_response()`` as a static route and from a handler."""
    api = BoltAPI()
    api.static("/static", make_response())

    @api.get("/handler")
    async def handler():
        return make_response()

    client = client_for(api)
    return client.get("/static"), client.get("/handler")


def test_explicit_content_type_header_is_kept(client_for):
    static, handler = _static_and_handler(
        client_for, lambda: Response(b"<x/>", headers={"content-type": "application/xml"})
    )
    assert static.headers.get_list("content-type") == ["application/xml"]
    assert handler.headers.get_list("content-type") == ["application/xml"]
    assert static.content == b"<x/>"


def test_media_type_with_charset_gets_no_second_charset(client_for):
    static, handler = _static_and_handler(
        client_for, lambda: Response("caf\u00e9", media_type="text/plain; charset=latin-1")
    )
    assert static.headers["content-type"] == "text/plain; charset=latin-1"
    assert handler.headers["content-type"] == "text/plain; charset=latin-1"


def test_framing_headers_from_user_code_are_not_sent(client_for):
    static, handler = _static_and_handler(client_for, lambda: Response(b"abc", headers=FRAMING))
    for r in (static, handler):
        assert r.content == b"abc"
        assert r.headers.get_list("content-length") == ["3"]
        assert "transfer-encoding" not in r.headers
        assert "connection" not in r.headers


@pytest.mark.parametrize(
    "make",
    [
        lambda: Response({"a": [1, 2]}, status_code=201, headers={"X-One": "1"}),
        lambda: HTML("<b>hi</b>", headers={"Cache-Control": "max-age=60"}),
        lambda: Response("plain", media_type="text/csv"),
        lambda: Response(None, status_code=204),
    ],
)
def test_static_route_sends_what_the_handler_sends(client_for, make):
    response = make()
    response.set_cookie("k", "v")
    static, handler = _static_and_handler(client_for, lambda: response)
    assert (static.status_code, static.headers.multi_items(), static.content) == (
        handler.status_code,
        handler.headers.multi_items(),
        handler.content,
    )


@pytest.mark.parametrize(
    "body",
    [lambda tmp: FileResponse(str(tmp / "f.txt")), lambda tmp: StreamingResponse(iter([b"x"]))],
)
def test_files_and_streams_are_refused_as_static_routes(tmp_path, body):
    (tmp_path / "f.txt").write_text("x")
    api = BoltAPI()
    api.static("/s", body(tmp_path))
    with pytest.raises(TypeError, match="static route"):
        api.compile()
