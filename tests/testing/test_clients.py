"""The in-process clients: httpx features over the real pipeline, sync and async."""

import msgspec
import pytest
from django_bolt import UploadFile
from django_bolt.params import File, Form
from django_bolt.responses import JSON, Response
from django_bolt.testing import AsyncTestClient, TestClient


class Note(msgspec.Struct):
    text: str


@pytest.fixture
def echo_api(api):
    @api.post("/json")
    async def json_body(note: Note):
        return {"text": note.text}

    @api.post("/form")
    async def form(name: str = Form(), upload: UploadFile = File()):
        return {"name": name, "file": upload.filename, "bytes": upload.size}

    @api.get("/query")
    async def query(a: int, b: list[str]):
        return {"a": a, "b": b}

    @api.get("/set-cookie")
    async def set_cookie():
        response = JSON({"ok": True})
        response.set_cookie("token", "t1")
        return response

    @api.get("/read-cookie")
    async def read_cookie(request):
        return {"token": request.cookies.get("token")}

    return api


def test_sync_client_features(echo_api):
    with TestClient(echo_api) as client:
        assert client.post("/json", json={"text": "hi"}).json() == {"text": "hi"}
        assert client.post("/form", data={"name": "n"}, files={"upload": ("f.txt", b"abc")}).json() == {
            "name": "n",
            "file": "f.txt",
            "bytes": 3,
        }
        assert client.get("/query", params={"a": 1, "b": ["x", "y"]}).json() == {"a": 1, "b": ["x", "y"]}
        client.get("/set-cookie")
        assert client.get("/read-cookie").json() == {"token": "t1"}


async def test_async_client_features(echo_api):
    async with AsyncTestClient(echo_api) as client:
        response = await client.post("/json", json={"text": "async"})
        assert response.json() == {"text": "async"}
        response = await client.get("/query?a=2&b=z")
        assert response.json() == {"a": 2, "b": ["z"]}


async def test_clients_follow_redirects_unless_told_not_to(api):
    # As the release's client: the redirect is followed and kept in the history; per client or
    # per request, follow_redirects=False stops at the 3xx.
    @api.get("/x")
    async def x():
        return {"at": "x"}

    followed = TestClient(api).get("/x/")
    assert (followed.status_code, followed.json()) == (200, {"at": "x"})
    assert [(r.status_code, r.headers["location"]) for r in followed.history] == [(308, "/x")]
    assert TestClient(api).get("/x/", follow_redirects=False).status_code == 308
    assert TestClient(api, follow_redirects=False).get("/x/").status_code == 308
    async with AsyncTestClient(api) as client:
        assert (await client.get("/x/")).json() == {"at": "x"}
        assert (await client.get("/x/", follow_redirects=False)).status_code == 308


async def test_cors_allowed_origins_option(api):
    # The release's client option: these origins stand in for CORS_ALLOWED_ORIGINS.
    @api.get("/open")
    async def open_route():
        return {"ok": True}

    with TestClient(api, cors_allowed_origins=["https://a.example"]) as client:
        allowed = client.get("/open", headers={"Origin": "https://a.example"})
        other = client.get("/open", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://a.example"
    assert "access-control-allow-origin" not in other.headers
    async with AsyncTestClient(api, cors_allowed_origins=["https://b.example"]) as client:
        r = await client.get("/open", headers={"Origin": "https://b.example"})
    assert r.headers["access-control-allow-origin"] == "https://b.example"
    # Without the option the project's settings apply again (tests/settings.py lists no origins).
    plain = TestClient(api).get("/open", headers={"Origin": "https://a.example"})
    assert "access-control-allow-origin" not in plain.headers
    with pytest.raises(ValueError, match="not an origin"):
        TestClient(api, cors_allowed_origins=["a.example"])
    with pytest.raises(TypeError, match="not a compiled app"):
        TestClient(api.compile(), cors_allowed_origins=["https://a.example"])
    # The release's ["*"]: every origin (CORS_ALLOW_ALL_ORIGINS), also without the settings.
    anywhere = TestClient(api, cors_allowed_origins=["*"], read_django_settings=False)
    assert anywhere.get("/open", headers={"Origin": "https://z.example"}).headers["access-control-allow-origin"] in (
        "*",
        "https://z.example",
    )


def test_read_django_settings_false_leaves_out_cors_settings(api):
    from django.test import override_settings

    @api.get("/r")
    async def r():
        return {}

    with override_settings(CORS_ALLOWED_ORIGINS=["https://s.example"]):
        from_settings = TestClient(api).get("/r", headers={"Origin": "https://s.example"})
        without = TestClient(api, read_django_settings=False).get("/r", headers={"Origin": "https://s.example"})
        only_given = TestClient(api, read_django_settings=False, cors_allowed_origins=["https://g.example"])
        given = only_given.get("/r", headers={"Origin": "https://g.example"})
    assert from_settings.headers["access-control-allow-origin"] == "https://s.example"
    assert "access-control-allow-origin" not in without.headers
    assert given.headers["access-control-allow-origin"] == "https://g.example"


@pytest.mark.parametrize("read_django_settings", [True, False])
def test_a_star_in_cors_allowed_origins_allows_every_origin(api, read_django_settings):
    """The release's client option takes "*" (the CORS_ALLOWED_ORIGINS setting refuses it)."""

    @api.get("/any")
    async def any_origin():
        return {}

    options = {"cors_allowed_origins": ["*"], "read_django_settings": read_django_settings}
    with TestClient(api, **options) as client:
        response = client.get("/any", headers={"Origin": "https://anyone.example"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_utf8_header_value_reaches_the_client(api):
    """The client gets the UTF-8 bytes the server writes, decoded back by httpx."""

    @api.get("/name")
    async def name():
        return Response({}, headers={"x-name": "日本", "x-plain": "ok"})

    response = TestClient(api).get("/name")
    assert (response.headers["x-name"], response.headers["x-plain"]) == ("日本", "ok")
    assert dict(response.headers.raw)[b"x-name"] == "日本".encode()


async def test_websocket_client_takes_the_same_options(api):
    from django_bolt import WebSocket
    from django_bolt.testing import WebSocketTestClient
    from django_bolt.testing.websocket import HandshakeRejected

    @api.websocket("/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("hi")

    allowed = {"cors_allowed_origins": ["https://a.example"], "read_django_settings": False}
    async with WebSocketTestClient(api, "/ws", headers={"Origin": "https://a.example"}, **allowed) as conn:
        assert await conn.receive_text() == "hi"
    with pytest.raises(HandshakeRejected) as info:
        async with WebSocketTestClient(api, "/ws", headers={"Origin": "https://b.example"}, **allowed):
            pass
    assert info.value.status_code == 403


def test_static_files_config_stands_in_for_the_static_settings(api, tmp_path):
    (tmp_path / "app.js").write_text("console.log(1)")
    config = {"url_prefix": "/assets", "directories": [str(tmp_path)], "csp_header": None}
    with TestClient(api, static_files_config=config) as client:
        served = client.get("/assets/app.js")
        assert served.status_code == 200
        assert served.text == "console.log(1)"
        assert client.get("/assets/missing.js").status_code == 404


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("/static", "must be a dict"),
        ({"url_prefix": "/s", "directories": [], "cache": 1}, "unknown keys"),
        ({"url_prefix": "/s", "directories": [], "csp_header": "default-src 'self'\r\nx: 1"}, "csp_header"),
        ({"url_prefix": "/s", "directories": [], "cache_control": "public"}, "cache_control"),
        ({"url_prefix": "static", "directories": []}, "url_prefix"),
        ({"url_prefix": "/s", "directories": "/tmp"}, "list of directories"),
    ],
)
def test_static_files_config_refuses_what_it_cannot_do(api, config, message):
    with pytest.raises(TypeError, match=message):
        TestClient(api, static_files_config=config)


def test_raise_server_exceptions_re_raises_the_handlers_exception(api):
    class Boom(Exception):
        pass

    @api.get("/boom")
    async def boom():
        raise Boom("from the handler")

    @api.get("/fine")
    async def fine():
        return {"ok": True}

    with TestClient(api, raise_server_exceptions=True) as client:
        with pytest.raises(Boom, match="from the handler"):
            client.get("/boom")
        assert client.get("/fine").json() == {"ok": True}
    # The default answers as the server does.
    assert TestClient(api).get("/boom").status_code == 500
    assert TestClient(api, raise_server_exceptions=False).get("/boom").status_code == 500


async def test_async_client_re_raises_too(api):
    @api.get("/boom")
    def boom():
        raise LookupError("sync handler")

    async with AsyncTestClient(api, raise_server_exceptions=True) as client:
        with pytest.raises(LookupError, match="sync handler"):
            await client.get("/boom")


def test_stream_true_reads_the_body_as_it_is_produced(api):
    from django_bolt.responses import StreamingResponse

    @api.get("/lines")
    async def lines():
        def generate():
            for i in range(5):
                yield f"line-{i}\n"

        return StreamingResponse(generate(), media_type="text/plain")

    client = TestClient(api)
    response = client.get("/lines", stream=True)
    assert response.status_code == 200
    chunks = list(response.iter_content(chunk_size=4))
    assert chunks[0] == b"line" and all(len(c) == 4 for c in chunks[:-1])
    assert b"".join(chunks) == b"".join(f"line-{i}\n".encode() for i in range(5))
    decoded = client.get("/lines", stream=True).iter_content(chunk_size=3, decode_unicode=True)
    assert "".join(decoded).endswith("line-4\n")

    text = client.get("/lines", stream=True)
    assert list(text.iter_lines()) == [f"line-{i}" for i in range(5)]
    whole = client.post("/lines", stream=True)  # any method takes stream=
    assert whole.status_code == 405
    assert "detail" in whole.json()  # content/json() read the rest when first asked


def test_use_http_layer_can_only_be_true(api):
    TestClient(api, use_http_layer=True)
    with pytest.raises(TypeError, match="use_http_layer"):
        TestClient(api, use_http_layer=False)


def test_the_head_limits_apply_as_on_the_server(api):
    """BOLT_MAX_HEADER_SIZE and BOLT_MAX_HEADERS give the server's 431 in process too, counted as
    the HTTP/1.1 head the server would read."""
    from django.test import override_settings

    @api.get("/count")
    async def count(request):
        return {"count": len(request.headers)}

    with override_settings(BOLT_MAX_HEADER_SIZE=300), TestClient(api) as client:
        assert client.get("/count").status_code == 200
        big = client.get("/count", headers={"x-big": "y" * 300})
    assert big.status_code == 431
    assert big.json() == {"detail": "Request headers are larger than the limit of 300 bytes"}

    many = {f"x-h{i}": "1" for i in range(12)}
    with override_settings(BOLT_MAX_HEADERS=10), TestClient(api) as client:
        refused = client.get("/count", headers=many)
    assert (refused.status_code, refused.json()) == (431, {"detail": "Too many request headers (limit 10)"})


async def test_a_path_that_is_not_utf8_is_the_servers_400(api):
    # The head parser's answer (src/server/head.rs), not an exception in the test.
    @api.get("/str/{value}")
    async def echo(value: str):
        return {"value": value}

    answer = TestClient(api).get("/str/a%FFb?x=1")
    assert (answer.status_code, answer.json()) == (400, {"detail": "Request path is not valid UTF-8"})
    async with AsyncTestClient(api) as client:
        assert (await client.get("/str/a%FFb")).status_code == 400
        assert (await client.get("/str/a%C3%A9")).json() == {"value": "aé"}
