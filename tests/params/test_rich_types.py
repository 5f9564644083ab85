"""Parameters of richer types: sets, frozensets and tuples from repeated keys, ``NewType`` and
``type`` aliases, ``msgspec.Meta`` constraints, and the mistakes refused when a route is declared."""

import datetime
import enum
import sys
import typing
from decimal import Decimal
from typing import Annotated, NewType

import msgspec
import pytest
from django_bolt import BoltAPI, UploadFile
from django_bolt.param_functions import Cookie, File, Form, Header, Path, Query
from django_bolt.params import Param

UserId = NewType("UserId", int)


def shown(value):
    if isinstance(value, (set, frozenset)):
        return {"type": type(value).__name__, "value": sorted(value)}
    if isinstance(value, (list, tuple)):
        return {"type": type(value).__name__, "value": list(value)}
    return {"type": type(value).__name__, "value": value}


def test_a_repeated_key_fills_the_declared_container(api, client_for):
    @api.get("/set")
    async def as_set(tag: Annotated[set[int], Query()]):
        return shown(tag)

    @api.get("/frozenset")
    def as_frozenset(tag: Annotated[frozenset[str], Query()]):
        return shown(tag)

    @api.get("/tuple")
    async def as_tuple(tag: Annotated[tuple[int, ...], Query()]):
        return shown(tag)

    @api.get("/pair")
    async def as_pair(point: Annotated[tuple[int, str], Query()]):
        return shown(point)

    @api.get("/bare")
    async def bare(tag: Annotated[set, Query()]):
        return shown(tag)

    @api.post("/form")
    async def form(tag: Annotated[set[int], Form()]):
        return shown(tag)

    client = client_for(api)
    assert client.get("/set?tag=2&tag=1&tag=2").json() == {"type": "set", "value": [1, 2]}
    assert client.get("/frozenset?tag=b&tag=a").json() == {"type": "frozenset", "value": ["a", "b"]}
    assert client.get("/tuple?tag=3&tag=4").json() == {"type": "tuple", "value": [3, 4]}
    assert client.get("/pair?point=1&point=x").json() == {"type": "tuple", "value": [1, "x"]}
    assert client.get("/bare?tag=b&tag=a").json() == {"type": "set", "value": ["a", "b"]}
    assert client.post("/form", data={"tag": ["1", "1", "3"]}).json() == {"type": "set", "value": [1, 3]}
    # A bad item, or a fixed tuple of another length, is a 422 naming the key.
    bad = client.get("/set?tag=x")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][:2] == ["query", "tag"]
    short = client.get("/pair?point=1")
    assert short.status_code == 422
    assert short.json()["detail"][0]["loc"] == ["query", "point"]
    assert client.get("/pair?point=1&point=a&point=b").status_code == 422


def test_a_header_or_cookie_sequence_holds_its_one_value(api, client_for):
    @api.get("/header")
    async def header(x_id: Annotated[tuple[int], Header()], x_tags: Annotated[list, Header()]):
        return {"id": shown(x_id), "tags": shown(x_tags)}

    @api.get("/cookie")
    async def cookie(tags: Annotated[set[str], Cookie()]):
        return shown(tags)

    client = client_for(api)
    assert client.get("/header", headers={"X-Id": "4", "X-Tags": "n"}).json() == {
        "id": {"type": "tuple", "value": [4]},
        "tags": {"type": "list", "value": ["n"]},
    }
    assert client.get("/cookie", headers={"Cookie": "tags=a"}).json() == {"type": "set", "value": ["a"]}


@pytest.mark.parametrize(
    ("path", "annotation"),
    [
        ("/v", Annotated[tuple[int, str], Header()]),
        ("/v", Annotated[tuple[int, int], Cookie()]),
        ("/v", Annotated[list[int], msgspec.Meta(min_length=2), Header()]),
        ("/v/{value}", Annotated[tuple[int, int], Path()]),
    ],
)
def test_a_sequence_that_one_value_cannot_fill_is_refused_when_declared(path, annotation):
    async def handler(value: annotation):
        return {}

    with pytest.raises(TypeError, match="gives one item"):
        BoltAPI().get(path)(handler)


def test_a_newtype_converts_as_the_type_it_names(api, client_for):
    @api.get("/users/{user_id}")
    async def by_path(user_id: UserId, other: UserId | None = None, ids: Annotated[list[UserId], Query()] = []):  # noqa: B006
        return {"user_id": shown(user_id), "other": shown(other), "ids": shown(ids)}

    client = client_for(api)
    assert client.get("/users/5?other=6&ids=1&ids=2").json() == {
        "user_id": {"type": "int", "value": 5},
        "other": {"type": "int", "value": 6},
        "ids": {"type": "list", "value": [1, 2]},
    }
    assert client.get("/users/x").status_code == 422


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type aliases are Python 3.12+")
def test_a_type_alias_converts_as_the_type_it_names(api, client_for):
    alias_type = typing.TypeAliasType  # type: ignore[attr-defined]
    item = typing.TypeVar("item")
    page = alias_type("Page", int)
    pair = alias_type("Pair", list[item], type_params=(item,))
    positive = alias_type("Positive", Annotated[item, msgspec.Meta(ge=1)], type_params=(item,))
    maybe = alias_type("Maybe", item | None, type_params=(item,))

    async def handler(
        tag: Annotated[pair[int], Query()], page: page = 1, size: positive[int] = 10, at: maybe[int] = None
    ):
        return {"tag": shown(tag), "page": shown(page), "size": shown(size), "at": shown(at)}

    api.get("/items")(handler)
    client = client_for(api)
    assert client.get("/items?tag=1&tag=2&page=3&at=4").json() == {
        "tag": {"type": "list", "value": [1, 2]},
        "page": {"type": "int", "value": 3},
        "size": {"type": "int", "value": 10},
        "at": {"type": "int", "value": 4},
    }
    for bad in ("/items?tag=x", "/items?tag=1&page=x", "/items?tag=1&size=0", "/items?tag=1&at=x"):
        assert client.get(bad).status_code == 422, bad


def test_msgspec_meta_constraints_apply_like_the_markers(api, client_for):
    @api.get("/items/{item_id}")
    async def item(
        item_id: Annotated[int, msgspec.Meta(ge=1)],
        code: Annotated[str | None, msgspec.Meta(pattern="^[A-Z]{3}$")] = None,
        limit: Annotated[int | None, msgspec.Meta(le=10), Header()] = None,
        tag: Annotated[list[Annotated[int, msgspec.Meta(ge=0)]], msgspec.Meta(max_length=2)] = [],  # noqa: B006
    ):
        return {"item_id": item_id, "code": code, "limit": limit, "tag": tag}

    client = client_for(api)
    ok = client.get("/items/3?code=ABC&tag=0&tag=4", headers={"Limit": "10"})
    assert ok.json() == {"item_id": 3, "code": "ABC", "limit": 10, "tag": [0, 4]}
    low = client.get("/items/0")
    assert low.status_code == 422
    error = {"loc": ["path", "item_id"], "msg": "Input should be >= 1", "type": "greater_than_equal", "input": "0"}
    assert low.json()["detail"] == [error]
    for bad, headers in (
        ("/items/1?code=abc", {}),
        ("/items/1", {"Limit": "11"}),
        ("/items/1?tag=-1", {}),
        ("/items/1?tag=1&tag=2&tag=3", {}),
    ):
        assert client.get(bad, headers=headers).status_code == 422, bad


def test_a_marker_bound_applies_to_each_item_of_a_sequence(api, client_for):
    @api.get("/items")
    async def items(tag: Annotated[list[int], Query(ge=1, max_length=3)]):
        return tag

    client = client_for(api)
    assert client.get("/items?tag=1&tag=2").json() == [1, 2]
    zero = client.get("/items?tag=1&tag=0")
    assert zero.status_code == 422
    assert zero.json()["detail"][0]["loc"] == ["query", "tag", 1]
    assert client.get("/items?tag=1&tag=1&tag=1&tag=1").status_code == 422


@pytest.mark.parametrize(
    "annotation",
    [Annotated[Decimal, msgspec.Meta(ge=0)], Annotated[int | str, msgspec.Meta(ge=1)]],
)
def test_a_meta_constraint_msgspec_cannot_apply_is_refused_when_declared(annotation):
    async def handler(value: annotation):
        return {}

    with pytest.raises(TypeError, match="Can only set `ge`"):
        BoltAPI().get("/v")(handler)


def test_msgspec_meta_max_length_on_files_is_the_number_of_files(api, client_for):
    @api.post("/upload")
    async def upload(files: Annotated[list[UploadFile], msgspec.Meta(max_length=2), File()]):
        return {"count": len(files)}

    client = client_for(api)
    one = client.post("/upload", files={"files": ("a.txt", b"a", "text/plain")})
    assert one.json() == {"count": 1}
    three = client.post("/upload", files=[("files", (f"{n}.txt", b"a", "text/plain")) for n in range(3)])
    assert three.status_code == 422
    assert three.json()["detail"][0]["type"] == "file_too_many"


def test_signature_mistakes_are_refused_when_the_route_is_declared():
    api = BoltAPI()
    with pytest.raises(TypeError, match="'page'.*Set the default value with `=` instead"):

        @api.get("/default-inside")
        async def default_inside(page: Annotated[int, Query(1)]):
            return {}

    with pytest.raises(TypeError, match="'page': pattern cannot apply to a int value"):

        @api.get("/pattern-on-int")
        async def pattern_on_int(page: int = Query(pattern="^[0-9]+$")):
            return {}

    with pytest.raises(TypeError, match="'q': ge cannot apply to a str value"):

        @api.get("/bound-on-text")
        async def bound_on_text(q: str = Query(ge=1)):
            return {}

    with pytest.raises(TypeError, match="'a' and 'b' read the header key 'x-n'"):

        @api.get("/two-types")
        async def two_types(a: Annotated[int, Header(alias="X-N")], b: Annotated[str, Header(alias="x_n")]):
            return {}

    with pytest.raises(TypeError, match="unsupported source 'nowhere'"):

        @api.get("/nowhere")
        async def nowhere(v: Annotated[str, Param(source="nowhere")] = ""):
            return {}


def test_a_marker_in_annotated_is_not_changed_by_a_default():
    """One ``Annotated`` alias used with and without a default: the marker stays shared and
    unchanged, so the second route is not refused."""
    page_query = Annotated[int, Query(ge=1)]
    api = BoltAPI()

    @api.get("/with-default")
    async def with_default(page: page_query = 3):
        return {"page": page}

    @api.get("/required")
    async def required(page: page_query):
        return {"page": page}


def test_one_key_with_one_type_in_two_arguments_or_two_sources_is_allowed(api, client_for):
    # Out of the schema: the OpenAPI generator would list query key `n` twice.
    @api.get("/items/{item_id}", include_in_schema=False)
    async def item(
        item_id: int,
        raw: Annotated[str, Query(alias="item_id")] = "",
        a: Annotated[int, Query(alias="n")] = 0,
        b: Annotated[int, Query(alias="n")] = 0,
    ):
        return {"item_id": item_id, "raw": raw, "a": a, "b": b}

    assert client_for(api).get("/items/5?item_id=abc&n=2").json() == {"item_id": 5, "raw": "abc", "a": 2, "b": 2}


def test_param_takes_the_release_positional_order():
    param = Param("query", "x")
    assert (param.source, param.alias, param.default) == ("query", "x", ...)
    with pytest.raises(ValueError, match="multiple_of"):
        Param(multiple_of=2)


def test_a_path_or_query_value_over_8_kb_is_a_422(api, client_for):
    @api.get("/items/{name}")
    async def items(name: str, tag: Annotated[list[str], Query()] = []):  # noqa: B006
        return {"name": len(name), "tag": len(tag)}

    @api.post("/form")
    async def form(count: Annotated[int, Form()] = 0, text: Annotated[str, Form()] = ""):
        return {"count": count, "text": len(text)}

    client = client_for(api)
    assert client.get("/items/" + "a" * 8192).json() == {"name": 8192, "tag": 0}
    too_long = client.get("/items/" + "a" * 8193)
    assert too_long.status_code == 422
    message = "Parameter too long: 8193 bytes (max 8192 bytes)"
    assert too_long.json()["detail"] == [{"loc": ["path", "name"], "msg": message, "type": "parameter_too_long"}]
    # Each value of a repeated key is checked, not only the last one.
    assert client.get("/items/a?tag=" + "x" * 8193 + "&tag=b").status_code == 422
    # A typed form field is checked; a text field is bounded by the body size limit only.
    assert client.post("/form", data={"count": "1" * 8193}).status_code == 422
    assert client.post("/form", data={"text": "t" * 10000}).json() == {"count": 0, "text": 10000}


def test_a_form_model_sequence_field_sent_once_is_a_list_of_one(api, client_for):
    class Tags(msgspec.Struct):
        tags: list[str] = msgspec.field(name="tag", default_factory=list)

    @api.post("/form")
    async def form(filters: Annotated[Tags, Form()]):
        return filters.tags

    client = client_for(api)
    assert client.post("/form", data={"tag": "a"}).json() == ["a"]
    assert client.post("/form", data={"tag": ["a", "b"]}).json() == ["a", "b"]


def test_query_bytes_that_are_not_utf8_are_replaced_as_django_does(api, client_for):
    @api.get("/q")
    async def q(request, k: Annotated[list[str], Query()] = []):  # noqa: B006
        return {"k": k, "query": dict(request.query)}

    response = client_for(api).get("/q?k=%FF&k=a")
    assert response.status_code == 200
    assert response.json() == {"k": ["\ufffd", "a"], "query": {"k": ["\ufffd", "a"]}}


def test_cookies_are_read_as_django_reads_them(api, client_for):
    @api.get("/cookies")
    async def cookies(request, a: Annotated[str, Cookie()] = "missing"):
        return {"all": dict(request.cookies), "a": a}

    response = client_for(api).get("/cookies", headers={"Cookie": 'solo; a="x\\054y"; b = 2 '})
    assert response.json() == {"all": {"": "solo", "a": "x,y", "b": "2"}, "a": "x,y"}


def test_a_file_argument_annotated_dict_or_bytes_gets_the_release_forms(api, client_for):
    @api.post("/infos")
    async def infos(files: Annotated[list[dict], File(alias="file")]):
        return [{k: v for k, v in f.items() if k != "headers"} | {"content": f["content"].decode()} for f in files]

    @api.post("/one")
    def one(file: Annotated[dict, File()], raw: Annotated[bytes, File(alias="file")]):
        return {"filename": file["filename"], "raw": raw.decode(), "type": type(raw).__name__}

    client = client_for(api)
    sent = [("file", ("a.txt", b"abc", "text/plain")), ("file", ("b.txt", b"de", "text/plain"))]
    assert client.post("/infos", files=sent).json() == [
        {"filename": "a.txt", "content_type": "text/plain", "size": 3, "content": "abc"},
        {"filename": "b.txt", "content_type": "text/plain", "size": 2, "content": "de"},
    ]
    assert client.post("/one", files=sent[:1]).json() == {"filename": "a.txt", "raw": "abc", "type": "bytes"}


class Profile(msgspec.Struct):
    name: str
    avatar: UploadFile


def test_a_form_model_without_its_required_file_names_the_file(api, client_for):
    @api.post("/profile")
    async def profile(data: Annotated[Profile, Form()]):
        return {"name": data.name, "size": data.avatar.size}

    client = client_for(api)
    missing = client.post("/profile", data={"name": "n"})
    assert missing.status_code == 422
    assert missing.json()["detail"] == [
        {"loc": ["body", "avatar"], "msg": "Missing required file", "type": "file_missing"}
    ]
    sent = client.post("/profile", data={"name": "n"}, files={"avatar": ("a.png", b"png", "image/png")})
    assert sent.json() == {"name": "n", "size": 3}


def test_the_request_query_holds_every_value_of_a_sequence_key(api, client_for):
    @api.get("/items")
    async def items(request, tag: Annotated[list[int], Query()], page: int = 1):
        return {"query": request.query, "tag": tag}

    response = client_for(api).get("/items?tag=1&page=2&page=3&tag=4")
    # A key of a sequence parameter: all values; any other key: its last value.
    assert response.json() == {"query": {"tag": ["1", "4"], "page": "3"}, "tag": [1, 4]}


class Priority(enum.Enum):
    LOW = 1
    HIGH = 3


class Rank(enum.IntEnum):
    LOW = 1
    HIGH = 3


def test_an_int_enum_parameter_is_one_of_its_members(api, client_for):
    @api.get("/rank")
    async def rank(rank: Rank):
        return {"rank": repr(rank)}

    client = client_for(api)
    assert client.get("/rank?rank=3").json() == {"rank": "<Rank.HIGH: 3>"}
    refused = client.get("/rank?rank=7")  # an int, but not a Rank
    assert (refused.status_code, refused.json()["detail"][0]["loc"]) == (422, ["query", "rank"])
    (param,) = api.openapi_schema["paths"]["/rank"]["get"]["parameters"]
    assert (param["schema"]["type"], param["schema"]["enum"]) == ("integer", [1, 3])


class Window(msgspec.Struct):
    priority: Priority | None = None
    order: typing.Literal["asc", 1] = "asc"


def test_durations_value_enums_and_mixed_literals_are_read_from_text(api, client_for):
    @api.get("/read/{every}")
    async def read(
        every: datetime.timedelta,
        priority: Priority | None = None,
        order: typing.Literal["asc", 1] = "asc",
        after: Annotated[datetime.timedelta | None, Header()] = None,
    ):
        return {
            "every": every.total_seconds(),
            "priority": None if priority is None else priority.name,
            "order": shown(order),
            "after": None if after is None else after.total_seconds(),
        }

    @api.get("/window")
    async def window(query: Annotated[Window, Query()]):
        return {"priority": query.priority.name, "order": shown(query.order)}

    @api.post("/form")
    async def form(every: Annotated[datetime.timedelta, Form()]):
        return {"every": every.total_seconds()}

    client = client_for(api)
    answer = client.get("/read/PT1M30S?priority=3&order=1", headers={"after": "90"})
    assert answer.json() == {
        "every": 90.0,
        "priority": "HIGH",
        "order": {"type": "int", "value": 1},
        "after": 90.0,
    }
    assert client.get("/read/P1D").json()["order"] == {"type": "str", "value": "asc"}
    for bad, loc in (("/read/soon", ["path", "every"]), ("/read/P1D?priority=2", ["query", "priority"])):
        refused = client.get(bad)
        assert refused.status_code == 422, bad
        assert [e["loc"] for e in refused.json()["detail"]] == [loc]
    assert client.get("/read/P1D?order=desc").status_code == 422  # neither "asc" nor 1
    assert client.get("/window?priority=1&order=1").json() == {"priority": "LOW", "order": {"type": "int", "value": 1}}
    assert client.post("/form", data={"every": "PT2S"}).json() == {"every": 2.0}
    params = {p["name"]: p["schema"] for p in api.openapi_schema["paths"]["/read/{every}"]["get"]["parameters"]}
    assert params["every"] == {"type": "string", "format": "duration"}
    assert (params["priority"]["type"], params["priority"]["enum"]) == ("integer", [1, 3])
    assert sorted(map(str, params["order"]["enum"])) == ["1", "asc"] and "type" not in params["order"]
