"""Routing: methods, typed path parameters, 404/405/OPTIONS/HEAD, trailing slashes, composition."""

import datetime
import decimal
import inspect
import uuid

import pytest
from django_bolt import BoltAPI, Router
from django_bolt._compile import RouteDefinitionError
from django_bolt.router import RouteCollection, takes_route_options

METHODS = ["get", "post", "put", "patch", "delete"]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_decorator(api, client_for, method):
    @getattr(api, method)("/thing")
    async def handler():
        return {"method": method}

    response = client_for(api).request(method.upper(), "/thing")
    assert response.status_code == 200
    assert response.json() == {"method": method}


def test_head_options_and_query_decorators(api, client_for):
    @api.head("/h")
    async def head():
        return {"x": 1}

    @api.options("/o")
    async def options():
        return {"custom": True}

    @api.query("/search")
    async def search(request):
        return {"body": request.body.decode()}

    client = client_for(api)
    assert client.head("/h").status_code == 200
    assert client.options("/o").json() == {"custom": True}
    assert client.request("QUERY", "/search", content=b"term").json() == {"body": "term"}


@pytest.mark.parametrize(
    ("annotation", "raw", "expected"),
    [
        (int, "42", 42),
        (float, "2.5", 2.5),
        (str, "hello world", "hello world"),
        (bool, "true", True),
        (uuid.UUID, "12345678-1234-5678-1234-567812345678", "12345678-1234-5678-1234-567812345678"),
        (datetime.date, "2024-02-29", "2024-02-29"),
        (datetime.datetime, "2024-02-29T10:20:30Z", "2024-02-29T10:20:30Z"),
        (decimal.Decimal, "10.25", "10.25"),
    ],
)
def test_typed_path_parameters(api, client_for, annotation, raw, expected):
    @api.get("/v/{value}")
    async def handler(value: annotation):
        assert isinstance(value, annotation)
        return {"value": value}

    response = client_for(api).get(f"/v/{raw}")
    assert response.status_code == 200, response.text
    assert response.json() == {"value": expected}


@pytest.mark.parametrize(
    ("annotation", "raw"),
    [(int, "abc"), (float, "x1"), (bool, "maybe"), (uuid.UUID, "not-a-uuid"), (datetime.date, "2023-02-30")],
)
def test_invalid_path_parameter_is_422(api, client_for, annotation, raw):
    @api.get("/v/{value}")
    async def handler(value: annotation):
        return {}

    response = client_for(api).get(f"/v/{raw}")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["path", "value"]
    assert error["type"].endswith("_parsing")


def test_404_405_allow_and_automatic_options(api, client_for):
    @api.get("/items")
    async def list_items():
        return []

    @api.post("/items")
    async def create_item():
        return {}

    client = client_for(api)
    missing = client.get("/nothing")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}

    wrong = client.delete("/items")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, POST, HEAD, OPTIONS"
    assert wrong.json() == {"detail": "Method Not Allowed"}

    options = client.options("/items")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, POST, HEAD, OPTIONS"
    assert options.content == b""


def test_head_is_answered_for_get_routes_without_body(api, client_for):
    calls = []

    @api.get("/doc")
    async def doc():
        calls.append(1)
        return {"content": "x" * 100}

    client = client_for(api)
    get = client.get("/doc")
    head = client.head("/doc")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == "application/json"
    assert len(calls) == 2


def test_trailing_slash_strip_redirects_to_canonical_path(client_for):
    api = BoltAPI(trailing_slash="strip")

    @api.get("/users/")
    async def users():
        return ["a"]

    client = client_for(api)
    assert client.get("/users").json() == ["a"]
    redirect = client.get("/users/?page=2", follow_redirects=False)
    assert redirect.status_code == 308
    assert redirect.headers["location"] == "/users?page=2"


def test_trailing_slash_append(client_for):
    api = BoltAPI(trailing_slash="append")

    @api.get("/users")
    async def users():
        return ["a"]

    client = client_for(api)
    assert client.get("/users/").json() == ["a"]
    redirect = client.get("/users", follow_redirects=False)
    assert redirect.status_code == 308
    assert redirect.headers["location"] == "/users/"


def test_trailing_slash_keep_matches_exactly(client_for):
    api = BoltAPI(trailing_slash="keep")

    @api.get("/a/")
    async def with_slash():
        return "slash"

    @api.get("/a")
    async def without_slash():
        return "bare"

    client = client_for(api)
    assert client.get("/a/").text == "slash"
    assert client.get("/a").text == "bare"


def test_trailing_slash_rejects_unknown_policy():
    with pytest.raises(ValueError):
        BoltAPI(trailing_slash="sometimes")


def test_router_and_include_router(api, client_for):
    router = Router(prefix="/users")

    @router.get("/{user_id}")
    async def get_user(user_id: int):
        return {"id": user_id}

    @router.get("/")
    async def list_users():
        return []

    api.include_router(router, prefix="/v1")
    client = client_for(api)
    assert client.get("/v1/users/5").json() == {"id": 5}
    assert client.get("/v1/users").json() == []


def test_mount_serves_other_api_under_prefix(api, client_for):
    other = BoltAPI()

    @other.get("/ping")
    async def ping():
        return {"pong": True}

    api.mount("/sub", other)
    assert client_for(api).get("/sub/ping").json() == {"pong": True}


def test_prefix_on_api(client_for):
    api = BoltAPI(prefix="/api")

    @api.get("/status")
    async def status():
        return {"ok": True}

    assert client_for(api).get("/api/status").json() == {"ok": True}


def test_duplicate_routes_fail_at_compile_time(api):
    @api.get("/x")
    async def one():
        return 1

    @api.get("/x/")
    async def two():
        return 2

    with pytest.raises(ValueError, match="duplicate"):
        api.compile()


def test_path_parameter_must_be_a_handler_argument(api):
    @api.get("/items/{item_id}")
    async def handler():
        return {}

    with pytest.raises(RouteDefinitionError, match="item_id"):
        api.compile()


def test_path_parameter_read_from_request_params(api, client_for):
    # A handler taking the request may leave path parameters out of its arguments (the release's
    # request["params"] style); they arrive as strings.
    @api.get("/shelves/{shelf}/books/{book_id}")
    def book(request, book_id: int):
        return {"shelf": request.params["shelf"], "via_item": request["params"]["book_id"], "book_id": book_id}

    r = client_for(api).get("/shelves/top/books/7")
    assert r.json() == {"shelf": "top", "via_item": "7", "book_id": 7}


def test_percent_encoded_path_is_decoded_before_matching(api, client_for):
    @api.get("/files/{name}")
    async def file(name: str):
        return {"name": name}

    assert client_for(api).get("/files/a%20b").json() == {"name": "a b"}


def test_an_encoded_slash_matches_inside_one_segment_and_arrives_decoded(api, client_for):
    @api.get("/files/{name}")
    async def file(request, name: str):
        return {"name": name, "path": request.path}

    @api.get("/files/{folder}/{name}")
    async def nested(folder: str, name: str):
        return {"folder": folder, "name": name}

    client = client_for(api)
    # request.path is decoded whole, as Django's.
    assert client.get("/files/a%2Fb").json() == {"name": "a/b", "path": "/files/a/b"}
    assert client.get("/files/a/b").json() == {"folder": "a", "name": "b"}
    assert client.get("/files/x%2F").json() == {"name": "x/", "path": "/files/x/"}
    assert client.get("/files/a%252Fb").json()["name"] == "a%2Fb"


def test_catch_all_path(api, client_for):
    # Not under STATIC_URL (/static/): files the streaming tests put in STATIC_ROOT are served
    # there before routes, which made this test depend on running before them.
    @api.get("/assets/{*rest}")
    async def assets(rest: str):
        return {"rest": rest}

    assert client_for(api).get("/assets/css/site.css").json() == {"rest": "css/site.css"}


def test_http_and_websocket_routes_record_the_same_options(api):
    options = {
        "auth": ["backend"],
        "guards": ["app.guards.Guard"],
        "tags": ["chat"],
        "summary": "Chat",
        "description": "Talk",
        "include_in_schema": False,
    }
    api.get("/http", **options)(lambda: None)
    api.websocket("/ws", **options)(lambda websocket: None)
    api.websocket("/named", name="Named")(lambda websocket: None)
    http, ws, named = api.routes
    assert {key: getattr(http, key) for key in options} == options
    assert {key: getattr(ws, key) for key in options} == options
    assert named.summary == named.name == "Named"


def test_a_decorator_whose_options_drift_fails_at_import():
    def drifted(*args, **kwargs):
        pass

    # The real websocket() signature with one default changed.
    signature = inspect.signature(RouteCollection.websocket)
    drifted.__signature__ = signature.replace(
        parameters=[
            parameter.replace(default=False) if parameter.name == "include_in_schema" else parameter
            for parameter in signature.parameters.values()
        ]
    )
    with pytest.raises(TypeError, match="include_in_schema"):
        takes_route_options(drifted)


@pytest.mark.parametrize(
    ("policy", "declared", "listed"),
    [
        ("strip", "/users/", "/users"),
        ("append", "/users", "/users/"),
        ("keep", "/users/", "/users/"),
        ("strip", "/", "/"),
    ],
)
def test_the_release_route_table_lists_paths_as_served(client_for, policy, declared, listed):
    """``api._routes`` (the release's private table, read by code written for it) gives each path
    in the form the router serves, with the API's ``trailing_slash`` applied."""
    api = BoltAPI(trailing_slash=policy)

    @api.get(declared)
    async def users():
        return "ok"

    assert [path for _method, path, _index, _handler in api._routes] == [listed]
    assert client_for(api).get(listed).text == "ok"
