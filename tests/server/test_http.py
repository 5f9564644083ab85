"""HTTP/1.1 wire behaviour of the real server: keep-alive, pipelining, framing, headers, routing."""

from __future__ import annotations

import email.utils
import json
import time

import pytest

from tests.server.support import assert_still_serving
from tests.server.wire import RawConnection, chunked, roundtrip

ITEM = {"name": "widget", "price": 2.5, "count": 3, "tags": ["a", "b"]}
ITEM_BYTES = json.dumps(ITEM).encode()
JSON_HEADERS = {"Content-Type": "application/json"}


# ------------------------------------------------------------------ keep-alive and pipelining


def test_several_requests_on_one_connection(server):
    with RawConnection(server.port) as conn:
        for i in range(5):
            conn.request("GET", f"/items/{i}?q=n{i}")
            r = conn.read_response()
            assert r.status == 200
            assert r.json() == {"item_id": i, "q": f"n{i}"}
            assert r.header("connection") is None  # HTTP/1.1 default: stays open
        # A body-carrying request and a sync (thread-pool) handler on the same connection.
        conn.request("POST", "/echo", JSON_HEADERS, ITEM_BYTES)
        r = conn.read_response()
        assert r.status == 200 and r.json() == ITEM
        conn.request("GET", "/sync-hello")
        r = conn.read_response()
        assert r.status == 200 and r.json() == {"message": "hello from a thread"}
        assert conn.buf == b""


def test_pipelined_requests_are_answered_in_order(server):
    requests = (
        b"GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        b"GET /items/2?q=second HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /echo-sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%s"
        b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /items/3 HTTP/1.1\r\nHost: x\r\n\r\n"
    ) % (len(ITEM_BYTES), ITEM_BYTES, chunked(ITEM_BYTES[:7], ITEM_BYTES[7:]))
    with RawConnection(server.port) as conn:
        conn.send(requests)  # all in one write
        got = [conn.read_response() for _ in range(6)]
        assert [r.status for r in got] == [200, 200, 200, 200, 404, 200]
        assert got[0].json()["item_id"] == 1
        assert got[1].json() == ITEM
        assert got[2].json() == {"item_id": 2, "q": "second"}
        assert got[3].json() == ITEM
        assert got[5].json()["item_id"] == 3
        assert conn.buf == b""


def test_pipelined_slow_request_does_not_let_a_fast_one_overtake_it(server):
    with RawConnection(server.port) as conn:
        conn.send(
            b"GET /slow?delay=0.3 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /sync-slow?delay=0.2 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /items/9 HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        bodies = [conn.read_response().json() for _ in range(4)]
    assert bodies == [{"slept": 0.3}, {"message": "hello"}, {"slept": 0.2}, {"item_id": 9, "q": None}]


def test_http10_without_keep_alive_closes(server):
    with RawConnection(server.port) as conn:
        conn.send(b"GET /hello HTTP/1.0\r\n\r\n")
        r = conn.read_response()
        assert r.status == 200 and r.json() == {"message": "hello"}
        assert r.header("connection") == "close"
        assert conn.expect_closed(timeout=2) == b""


def test_http10_with_keep_alive_stays_open(server):
    with RawConnection(server.port) as conn:
        for i in range(2):
            conn.send(b"GET /items/%d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" % i)
            r = conn.read_response()
            assert r.status == 200 and r.json()["item_id"] == i
            assert r.header("connection") == "keep-alive"


def test_connection_close_closes_after_the_response(server):
    with RawConnection(server.port) as conn:
        # The second request is pipelined behind `Connection: close` and must not be answered.
        conn.send(
            b"GET /items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        r = conn.read_response()
        assert r.status == 200 and r.json()["item_id"] == 1
        assert r.header("connection") == "close"
        assert conn.expect_closed(timeout=2) == b""


def test_connection_header_tokens_are_case_insensitive(server):
    with RawConnection(server.port) as conn:
        conn.request("GET", "/hello", {"Connection": "Upgrade, CLOSE"})
        r = conn.read_response()
        assert r.status == 200 and r.header("connection") == "close"
        assert conn.expect_closed(timeout=2) == b""


def test_many_concurrent_connections(server):
    conns = [RawConnection(server.port) for _ in range(40)]
    try:
        for i, c in enumerate(conns):
            c.request("GET", f"/items/{i}")
        for i, c in enumerate(conns):
            assert c.read_response().json()["item_id"] == i
    finally:
        for c in conns:
            c.close()


# ------------------------------------------------------------------ request bodies


def test_chunked_body_is_decoded_into_a_struct(server):
    pieces = [ITEM_BYTES[:1], ITEM_BYTES[1:10], ITEM_BYTES[10:30], ITEM_BYTES[30:]]
    with RawConnection(server.port) as conn:
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        # Chunks arrive in separate writes, one with a chunk extension, then a trailer section.
        for i, piece in enumerate(pieces):
            ext = b";name=value" if i == 1 else b""
            conn.send(b"%x%s\r\n%s\r\n" % (len(piece), ext, piece))
            time.sleep(0.02)
        conn.send(b"0\r\nX-Trailer: yes\r\n\r\n")
        r = conn.read_response()
        assert r.status == 200, r.body
        assert r.json() == ITEM
        # The connection is still usable: the trailers were consumed exactly.
        conn.request("GET", "/hello")
        assert conn.read_response().json() == {"message": "hello"}


def test_chunked_body_split_at_every_byte(server):
    wire = chunked(ITEM_BYTES[:5], ITEM_BYTES[5:])
    with RawConnection(server.port) as conn:
        conn.send(b"POST /echo-sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for b in wire:
            conn.send(bytes([b]))
        r = conn.read_response()
        assert r.status == 200 and r.json() == ITEM


def test_chunked_transfer_coding_token_is_case_insensitive(server):
    r = roundtrip(server.port, "POST", "/echo", {"Transfer-Encoding": "Chunked"}, chunked(ITEM_BYTES))
    assert r.status == 200 and r.json() == ITEM


def test_expect_100_continue_with_content_length(server):
    with RawConnection(server.port) as conn:
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(ITEM_BYTES)
        )
        interim = conn.read_interim(timeout=2)
        assert interim.startswith(b"HTTP/1.1 100")
        conn.send(ITEM_BYTES)
        r = conn.read_response()
        assert r.status == 200 and r.json() == ITEM


def test_expect_100_continue_with_chunked_body(server):
    with RawConnection(server.port) as conn:
        conn.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-Continue\r\n\r\n")
        assert conn.read_interim(timeout=2).startswith(b"HTTP/1.1 100")
        conn.send(chunked(ITEM_BYTES[:4], ITEM_BYTES[4:]))
        r = conn.read_response()
        assert r.status == 200 and r.json() == ITEM


def test_expect_100_continue_is_not_sent_when_the_body_is_too_large(server):
    from tests.server.support import MAX_UPLOAD

    with RawConnection(server.port) as conn:
        conn.send(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (MAX_UPLOAD + 1)
        )
        r = conn.read_response()
        assert r.interim == [] and r.status == 413


def test_httpx_post_json(client):
    r = client.post("/echo", json=ITEM)
    assert r.status_code == 200 and r.json() == ITEM
    r = client.post("/echo", content=ITEM_BYTES, headers={"Content-Type": "application/vnd.test+json"})
    assert r.status_code == 200 and r.json() == ITEM
    r = client.post("/echo", content=ITEM_BYTES, headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200 and r.json() == ITEM


# ------------------------------------------------------------------ response headers


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", "/hello", None),
        ("GET", "/items/5?q=%C3%A9t%C3%A9", None),
        ("POST", "/echo", ITEM_BYTES),
        ("GET", "/nope", None),
        ("POST", "/hello", None),
        ("GET", "/search", None),
        ("GET", "/boom", None),
    ],
)
def test_content_length_date_and_server_headers(server, method, target, body):
    before = time.time()
    r = roundtrip(server.port, method, target, JSON_HEADERS if body else None, body)
    after = time.time()
    assert r.version == "HTTP/1.1"
    assert r.header_all("content-length") == [str(len(r.body))]
    assert r.header_all("server") == ["django-bolt"]
    dates = r.header_all("date")
    assert len(dates) == 1
    assert dates[0].endswith(" GMT")
    parsed = email.utils.parsedate_to_datetime(dates[0])
    assert parsed.tzinfo is not None
    assert before - 2 <= parsed.timestamp() <= after + 1
    # The Date format is the IMF-fixdate one: "Sun, 06 Nov 1994 08:49:37 GMT".
    assert time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(parsed.timestamp())) == dates[0]
    if r.status != 308:
        assert r.header("content-type") is not None
        json.loads(r.body)  # every body here is JSON


def test_unicode_in_path_and_query(server):
    r = roundtrip(server.port, "GET", "/items/12?q=%E2%9C%93+ok")
    assert r.status == 200
    assert r.json() == {"item_id": 12, "q": "\u2713 ok"}
    assert r.header("content-length") == str(len(r.body))


def test_an_encoded_slash_is_part_of_one_path_segment(server):
    r = roundtrip(server.port, "GET", "/segment/a%2Fb%2f")
    assert (r.status, r.json()) == (200, {"value": "a/b/"})
    assert roundtrip(server.port, "GET", "/segment/a/b").status == 404  # two segments
    assert roundtrip(server.port, "GET", "/segment/a%252Fb").json() == {"value": "a%2Fb"}
    r = roundtrip(server.port, "GET", "/segment/a%2Fb/?q=1")  # the redirect keeps it encoded
    assert (r.status, r.header("location")) == (308, "/segment/a%2Fb?q=1")


def test_head_on_a_get_route(server):
    get = roundtrip(server.port, "GET", "/items/5?q=x")
    with RawConnection(server.port) as conn:
        # HEAD pipelined in front of a GET: if HEAD carried a body the GET response would be garbled.
        conn.send(b"HEAD /items/5?q=x HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        head = conn.read_response("HEAD")
        after = conn.read_response()
        assert conn.buf == b""
    assert head.status == 200
    assert head.body == b""
    assert head.header("content-length") == get.header("content-length") == str(len(get.body))
    assert head.header("content-type") == get.header("content-type")
    assert after.status == 200 and after.json() == {"message": "hello"}


def test_head_on_an_error_response_has_no_body(server):
    with RawConnection(server.port) as conn:
        conn.send(b"HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        head = conn.read_response("HEAD")
        assert head.status == 404
        assert int(head.header("content-length")) == len(b'{"detail":"Not Found"}')
        assert conn.read_response().json() == {"message": "hello"}


# ------------------------------------------------------------------ routing over the socket


def test_not_found(server):
    r = roundtrip(server.port, "GET", "/does/not/exist")
    assert r.status == 404
    assert r.header("content-type") == "application/json"
    assert r.json() == {"detail": "Not Found"}


def test_method_not_allowed_lists_allow(server):
    r = roundtrip(server.port, "DELETE", "/hello")
    assert r.status == 405
    assert r.json() == {"detail": "Method Not Allowed"}
    allow = {m.strip() for m in r.header("allow").split(",")}
    assert allow == {"GET", "HEAD", "OPTIONS"}
    r = roundtrip(server.port, "PUT", "/echo", JSON_HEADERS, ITEM_BYTES)
    assert r.status == 405
    assert {m.strip() for m in r.header("allow").split(",")} == {"POST", "OPTIONS"}


def test_options_lists_allowed_methods(server):
    with RawConnection(server.port) as conn:
        conn.request("OPTIONS", "/items/3")
        r = conn.read_response()
        assert r.status == 204
        assert r.body == b""
        assert r.header("content-length") is None  # 204 never has a body
        assert {m.strip() for m in r.header("allow").split(",")} == {"GET", "HEAD", "OPTIONS"}
        conn.request("GET", "/hello")  # nothing stray was left on the connection
        assert conn.read_response().json() == {"message": "hello"}


def test_trailing_slash_redirects_with_308(server):
    r = roundtrip(server.port, "GET", "/hello/")
    assert r.status == 308
    assert r.header("location") == "/hello"
    r = roundtrip(server.port, "GET", "/items/7/?q=a%20b&x=1")
    assert r.status == 308
    assert r.header("location") == "/items/7?q=a%20b&x=1"
    r = roundtrip(server.port, "POST", "/echo/", JSON_HEADERS, ITEM_BYTES)
    assert r.status == 308 and r.header("location") == "/echo"
    r = roundtrip(server.port, "GET", "/nope/")
    assert r.status == 404


def test_httpx_follows_the_redirect(client):
    r = client.get("/items/4/", params={"q": "z"}, follow_redirects=True)
    assert r.status_code == 200
    assert r.json() == {"item_id": 4, "q": "z"}
    assert [h.status_code for h in r.history] == [308]


def test_absolute_form_target(server):
    r = roundtrip(server.port, "GET", "http://example.com/items/8?q=abs")
    assert r.status == 200 and r.json() == {"item_id": 8, "q": "abs"}


def test_server_still_serving_after_http_tests(server):
    assert_still_serving(server.port)


def test_expect_100_continue_is_ignored_for_http10(server):
    with RawConnection(server.port) as conn:
        conn.send(b"POST /echo HTTP/1.0\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(ITEM_BYTES))
        time.sleep(0.2)  # an HTTP/1.0 client sends its body without waiting
        conn.send(ITEM_BYTES)
        r = conn.read_response()
        assert r.status == 200 and r.json() == ITEM
        assert r.interim == []


# ------------------------------------------------------------------ handler-built responses on the wire


@pytest.mark.parametrize("code", [204, 304])
def test_bodyless_status_from_a_handler_sends_no_body(server, code):
    with RawConnection(server.port) as conn:
        conn.send(b"GET /status/%d HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n" % code)
        r = conn.read_response()
        assert r.status == code and r.body == b""
        assert r.header("content-length") is None
        assert conn.read_response().json() == {"message": "hello"}  # framing intact


def test_handler_cannot_override_framing_headers(server):
    for name, value in (("Content-Length", "999"), ("Transfer-Encoding", "chunked")):
        r = roundtrip(server.port, "GET", f"/custom-headers?name={name}&value={value}")
        assert r.status == 200 and r.body == b"custom"
        assert r.header_all("content-length") == ["6"]
        assert r.header("transfer-encoding") is None


def test_header_injection_from_a_handler_is_refused(server):
    r = roundtrip(server.port, "GET", "/custom-headers?name=X-Evil&value=a%0D%0AInjected:%20yes")
    assert r.status == 500
    assert r.header("injected") is None


def test_large_response_body(server):
    r = roundtrip(server.port, "GET", "/big?size=5000000", timeout=10)
    assert r.status == 200
    assert len(r.body) == 5_000_000 and r.header("content-length") == "5000000"


@pytest.mark.parametrize("code", [100, 103])
def test_1xx_status_from_a_handler_does_not_desync_the_connection(server, code):
    with RawConnection(server.port) as conn:
        conn.send(b"GET /status/%d HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n" % code)
        first = conn.read_response(timeout=5)
        # A handler cannot send an interim response: a 1xx status is a handler error (500), and
        # no 1xx head reaches the wire (it would make the client read the next answer as this one).
        assert first.interim == [], first.raw_head
        assert (first.status, first.json()) == (500, {"detail": "Internal Server Error"})
        second = conn.read_response(timeout=5)
        assert (second.status, second.json()) == (200, {"message": "hello"})


@pytest.mark.parametrize("name", ["Server", "Date"])
def test_handler_set_server_or_date_header_is_not_duplicated(server, name):
    r = roundtrip(server.port, "GET", f"/custom-headers?name={name}&value=custom")
    assert r.status == 200
    assert len(r.header_all(name)) == 1, r.raw_head


def test_hundreds_of_pipelined_requests_in_one_write(server):
    n = 300
    wire = b"".join(
        (b"HEAD" if i % 5 == 0 else b"GET") + b" /items/%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(n)
    )
    with RawConnection(server.port, timeout=10) as conn:
        conn.send(wire)
        for i in range(n):
            r = conn.read_response("HEAD" if i % 5 == 0 else "GET", timeout=10)
            assert r.status == 200
            if i % 5:
                assert r.json()["item_id"] == i
        assert conn.buf == b""


def test_mixed_load_on_kept_alive_connections(server):
    import threading

    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            with RawConnection(server.port, timeout=10) as conn:
                for i in range(15):
                    kind = (w + i) % 4
                    if kind == 0:
                        conn.request("GET", f"/items/{i}?q=w{w}")
                        assert conn.read_response().json() == {"item_id": i, "q": f"w{w}"}
                    elif kind == 1:
                        conn.request("POST", "/echo-sync", JSON_HEADERS, ITEM_BYTES)
                        assert conn.read_response().json() == ITEM
                    elif kind == 2:
                        conn.request("POST", "/echo", {"Transfer-Encoding": "chunked"}, chunked(ITEM_BYTES))
                        assert conn.read_response().json() == ITEM
                    else:
                        conn.request("GET", "/search")
                        assert conn.read_response().status == 422
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors


# ------------------------------------------------------------------ framing set by user code


@pytest.mark.parametrize("path", ["/static-framing", "/handler-framing"])
def test_user_framing_headers_never_reach_the_wire(server, path):
    # Content-Length/Transfer-Encoding/Connection from a Response are the server's to write:
    # a second Content-Length or a Transfer-Encoding beside it would let a proxy frame the
    # response differently from the client.
    with RawConnection(server.port) as conn:
        for _ in range(2):  # "connection: close" from user code must not close the connection
            conn.request("GET", path)
            r = conn.read_response()
            assert r.status == 200
            assert r.header_all("content-length") == ["3"], r.raw_head
            assert r.header_all("transfer-encoding") == [], r.raw_head
            assert r.header_all("connection") == [], r.raw_head
            assert r.body == b"abc"
