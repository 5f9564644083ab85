"""django_bolt.status / status_codes constants and classes, MediaType and FileSize in use."""

import http

from django_bolt import FileSize, MediaType, Response, UploadFile, status, status_codes
from django_bolt.param_functions import File


def test_every_standard_code_has_its_constant():
    for code in http.HTTPStatus:
        if code.value in (413, 414, 416, 422):
            continue  # Python 3.13 renamed these four; the constants keep the earlier names
        assert getattr(status_codes, f"HTTP_{code.value}_{code.name}") == code.value
    assert status.HTTP_413_REQUEST_ENTITY_TOO_LARGE == 413
    assert status.HTTP_414_REQUEST_URI_TOO_LONG == 414
    assert status.HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE == 416
    assert status.HTTP_422_UNPROCESSABLE_ENTITY == 422
    assert status.HTTP_306_RESERVED == 306


def test_status_classes():
    assert [status.is_informational(c) for c in (99, 100, 199, 200)] == [False, True, True, False]
    assert [status.is_success(c) for c in (199, 200, 299, 300)] == [False, True, True, False]
    assert [status.is_redirect(c) for c in (299, 300, 399, 400)] == [False, True, True, False]
    assert [status.is_client_error(c) for c in (399, 400, 499, 500)] == [False, True, True, False]
    assert [status.is_server_error(c) for c in (499, 500, 599, 600)] == [False, True, True, False]
    assert [status.is_error(c) for c in (399, 400, 599, 600)] == [False, True, True, False]


def test_status_constant_as_route_status(api, client_for):
    @api.post("/made", status_code=status.HTTP_201_CREATED)
    async def made():
        return {"ok": True}

    assert client_for(api).post("/made").status_code == 201


def test_media_type_is_its_string(api, client_for):
    assert MediaType.JSON == "application/json" and str(MediaType.HTML) == "text/html"
    assert f"{MediaType.MESSAGEPACK}" == "application/vnd.msgpack"

    @api.get("/page")
    async def page():
        return Response("<p>hi</p>", media_type=MediaType.HTML)

    assert client_for(api).get("/page").headers["content-type"].startswith("text/html")


def test_file_size_as_upload_limit(api, client_for):
    assert FileSize.MB_1 == 1024 * 1024 and FileSize.MB_100 == 100 * 1024 * 1024

    @api.post("/up")
    async def up(f: UploadFile = File(max_size=FileSize.MB_1)):
        return {"size": f.size}

    client = client_for(api)
    assert client.post("/up", files={"f": ("a", b"x" * 1024, "text/plain")}).json() == {"size": 1024}
    too_big = client.post("/up", files={"f": ("a", b"x" * (FileSize.MB_1 + 1), "text/plain")})
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["type"] == "file_too_large"
