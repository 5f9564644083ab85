"""Models read from the query, the headers or the cookies (``Annotated[Model, Query()]``): each
field is coerced by Rust like a simple parameter of that source, then the model is built."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated

import msgspec
import pytest
from django_bolt import BoltAPI
from django_bolt._compile import RouteDefinitionError
from django_bolt.param_functions import Cookie, Header, Query


class Page(msgspec.Struct):
    limit: int = 10
    offset: int = 0
    search: str | None = None
    tags: list[str] = []


class Renamed(msgspec.Struct, rename="camel"):
    category_id: int
    min_price: float | None = None


class Limits(msgspec.Struct):
    size: Annotated[int, msgspec.Meta(le=100)] = 10


class Auth(msgspec.Struct):
    x_api_key: str
    x_request_id: uuid.UUID | None = None


@dataclasses.dataclass
class Prefs:
    count: int
    dark: bool = False


@pytest.fixture(scope="module")
def api():
    api = BoltAPI()

    @api.get("/page")
    async def page(p: Annotated[Page, Query()]):
        return {"limit": p.limit, "offset": p.offset, "search": p.search, "tags": p.tags}

    @api.get("/renamed")
    async def renamed(f: Annotated[Renamed, Query()]):
        return {"category_id": f.category_id, "min_price": f.min_price}

    @api.get("/limits")
    async def limits(q: Annotated[Limits, Query()]):
        return {"size": q.size}

    @api.get("/auth")
    def auth(h: Annotated[Auth, Header()]):
        return {"key": h.x_api_key, "id": str(h.x_request_id) if h.x_request_id else None}

    @api.get("/prefs")
    async def prefs(c: Annotated[Prefs, Cookie()]):
        return {"count": c.count, "dark": c.dark}

    return api


def test_query_model_fields_are_coerced_and_defaults_fill_the_rest(api, client_for):
    client = client_for(api)
    assert client.get("/page?limit=5&search=x&tags=a&tags=b").json() == {
        "limit": 5,
        "offset": 0,
        "search": "x",
        "tags": ["a", "b"],
    }
    assert client.get("/page").json() == {"limit": 10, "offset": 0, "search": None, "tags": []}


def test_a_bad_field_is_a_422_naming_the_source_and_key(api, client_for):
    response = client_for(api).get("/page?limit=many")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_renamed_fields_are_read_under_their_encoded_names(api, client_for):
    client = client_for(api)
    assert client.get("/renamed?categoryId=7&minPrice=2.5").json() == {"category_id": 7, "min_price": 2.5}
    missing = client.get("/renamed")
    assert missing.status_code == 422
    assert missing.json()["detail"] == [{"loc": ["query", "categoryId"], "msg": "Field required", "type": "missing"}]


def test_field_constraints_of_the_model_are_checked(api, client_for):
    response = client_for(api).get("/limits?size=500")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"
    assert client_for(api).get("/limits?size=50").json() == {"size": 50}


def test_header_model_reads_dashed_lowercase_names(api, client_for):
    client = client_for(api)
    rid = uuid.uuid4()
    response = client.get("/auth", headers={"X-Api-Key": "k", "X-Request-Id": str(rid)})
    assert response.json() == {"key": "k", "id": str(rid)}
    missing = client.get("/auth")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["header", "x-api-key"]
    bad = client.get("/auth", headers={"X-Api-Key": "k", "X-Request-Id": "nope"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["header", "x-request-id"]


def test_cookie_model_of_a_dataclass_uses_the_parameter_bool_rules(api, client_for):
    client = client_for(api)
    assert client.get("/prefs", headers={"Cookie": "count=2; dark=yes"}).json() == {"count": 2, "dark": True}
    assert client.get("/prefs", headers={"Cookie": "count=2"}).json() == {"count": 2, "dark": False}
    assert client.get("/prefs", headers={"Cookie": "count=two"}).status_code == 422


class Nested(msgspec.Struct):
    inner: Page


def test_a_model_field_that_is_not_a_simple_value_is_refused(client_for):
    api = BoltAPI()

    @api.get("/nested")
    async def nested(n: Annotated[Nested, Query()]):
        return {}

    with pytest.raises(RouteDefinitionError, match="field 'inner'"):
        client_for(api)


def test_an_unannotated_req_argument_is_the_request(client_for):
    api = BoltAPI()

    @api.get("/req/{x}")
    async def req_only(req):
        return {"p": req["params"]["x"], "q": req["query"].get("y")}

    assert client_for(api).get("/req/1?y=2").json() == {"p": "1", "q": "2"}


def test_the_openapi_document_lists_each_field_of_a_model(api, client_for):
    doc = client_for(api).get("/docs/openapi.json").json()
    params = {(p["in"], p["name"]): p for p in doc["paths"]["/page"]["get"]["parameters"]}
    assert set(params) == {("query", "limit"), ("query", "offset"), ("query", "search"), ("query", "tags")}
    assert params[("query", "limit")]["schema"]["type"] == "integer"
    assert params[("query", "tags")]["schema"]["type"] == "array"
    header = {p["name"]: p for p in doc["paths"]["/auth"]["get"]["parameters"]}
    assert header["x-api-key"]["in"] == "header"
    assert header["x-api-key"]["required"] is True
    assert header["x-request-id"]["required"] is False
