"""Django's responses returned by handlers are sent as they are, Django's exceptions answer with
their HTTP status as {"detail": ...}, plus render(), request.META/form/files (in process)."""

from __future__ import annotations

import pytest

from tests.testapp.python_middleware_api import plain


@pytest.fixture
def client(client_for):
    return client_for(plain)


def test_http_response_keeps_status_type_headers_and_cookies(client):
    # Regression: this was sent as 200 application/json with the body as base64 chunks.
    r = client.get("/dj/http-response")
    assert r.status_code == 201
    assert r.text == "Hello"
    assert r.headers["content-type"] == "text/plain"
    assert r.headers["x-custom"] == "yes"
    assert "flavour=oat" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_json_response_and_redirect(client):
    r = client.get("/dj/json")
    assert (r.status_code, r.json(), r.headers["content-type"]) == (202, {"a": 1}, "application/json")
    r = client.get("/dj/redirect", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (302, "/dj/json")


def test_streaming_and_file_responses_are_streamed(client):
    for path, body in [("/dj/stream", "part0;part1;part2;"), ("/dj/astream", "a0;a1;a2;")]:
        r = client.get(path)
        assert (r.status_code, r.text) == (200, body)
        assert r.headers.get("transfer-encoding") == "chunked"
    r = client.get("/dj/file")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="source.py"'
    assert b"python_middleware_api" in r.content


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/dj/404", 404, "No such pony"),
        ("/dj/403", 403, "Permission denied"),
        ("/dj/400", 400, "Bad Request"),
        ("/dj/422", 422, ["Enter a whole number."]),
        ("/dj/422-fields", 422, {"age": ["Too young."]}),
    ],
)
def test_django_exceptions(client, path, status, detail):
    r = client.get(path)
    assert (r.status_code, r.json()) == (status, {"detail": detail})


def test_django_error_carries_cors_headers(client):
    r = client.get("/dj/cors-404", headers={"origin": "https://app.example"})
    assert r.status_code == 404
    assert r.headers["access-control-allow-origin"] == "https://app.example"


def test_render_uses_django_templates(client):
    r = client.get("/dj/render")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<p>Hello Ada</p>" in r.text


def test_meta_has_wsgi_keys(client):
    r = client.get("/dj/meta?x=1", headers={"x-thing": "t", "host": "api.example:8443"})
    assert r.json() == {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/dj/meta",
        "QUERY_STRING": "x=1",
        "SERVER_NAME": "api.example",
        "SERVER_PORT": "8443",
        "CONTENT_TYPE": None,
        "HTTP_X_THING": "t",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
    }


def test_form_and_files(client):
    r = client.post("/dj/form", data={"name": "n", "tag": ["a", "b"]}, files={"doc": ("d.txt", b"hello")})
    assert r.json() == {"name": "n", "tags": ["a", "b"], "file": ["d.txt", "hello"]}
    r = client.post("/dj/form", data={"name": "é", "tag": "x"})
    assert r.json() == {"name": "é", "tags": ["x"], "file": None}
    r = client.post("/dj/form", content=b"{}", headers={"content-type": "application/json"})
    assert r.json() == {"name": None, "tags": [], "file": None}


def test_sending_a_django_response_does_not_end_the_request(client):
    # HttpResponse.close() sends request_finished, which closes the thread's database connection:
    # the response's resources are released without it.
    from django.core.signals import request_finished

    seen = []

    def receiver(**kwargs):
        seen.append(kwargs)

    request_finished.connect(receiver)
    try:
        assert client.get("/dj/http-response").status_code == 201
        assert client.get("/dj/file").status_code == 200
    finally:
        request_finished.disconnect(receiver)
    assert seen == []
