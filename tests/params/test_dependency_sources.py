"""A dependency's arguments are route parameters: Rust reads and coerces them like the
handler's, from the path, the JSON body, form fields and uploads too."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from django_bolt import BoltAPI, UploadFile
from django_bolt.param_functions import Depends, File, Form, Header, Query


class Item(msgspec.Struct):
    name: str
    count: int


class ItemName(msgspec.Struct):
    name: str


def item_id(item_id: int) -> int:
    return item_id


async def item_of(item: Item) -> Item:
    return item


def name_of(item: ItemName) -> str:
    return item.name


def form_values(name: Annotated[str, Form()], count: Annotated[int, Form()] = 0) -> dict:
    return {"name": name, "count": count}


async def upload_size(upload: Annotated[UploadFile, File(max_size=8)]) -> int:
    return upload.size


@pytest.mark.parametrize("sync", [True, False])
def test_a_dependency_reads_the_path_or_the_query_by_route(api, client_for, sync):
    def by_path(resolved=Depends(item_id)):
        return {"item_id": resolved}

    async def by_query(resolved=Depends(item_id)):
        return {"item_id": resolved}

    api.get("/items/{item_id}")(by_path if sync else by_query)
    api.get("/items")(by_query if sync else by_path)
    client = client_for(api)
    assert client.get("/items/8").json() == {"item_id": 8}
    assert client.get("/items?item_id=7").json() == {"item_id": 7}
    bad = client.get("/items/x")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_a_dependency_reads_the_json_body_sharing_the_handler_decode(api, client_for):
    @api.post("/same")
    async def same(item: Item, again=Depends(item_of)):
        return {"same": item is again, "count": item.count}

    @api.post("/other")
    def other(item: Item, name=Depends(name_of)):
        return {"name": name, "count": item.count}

    @api.post("/alone")
    async def alone(item=Depends(item_of)):
        return {"name": item.name}

    client = client_for(api)
    assert client.post("/same", json={"name": "a", "count": 2}).json() == {"same": True, "count": 2}
    assert client.post("/other", json={"name": "b", "count": 3}).json() == {"name": "b", "count": 3}
    assert client.post("/alone", json={"name": "c", "count": 1}).json() == {"name": "c"}
    missing = client.post("/alone", json={"name": "c"})
    assert missing.status_code == 422


def test_a_dependency_reads_form_fields_and_uploads(api, client_for):
    @api.post("/form")
    def form(values=Depends(form_values)):
        return values

    @api.post("/upload")
    async def upload(size=Depends(upload_size)):
        return {"size": size}

    client = client_for(api)
    assert client.post("/form", data={"name": "n", "count": "5"}).json() == {"name": "n", "count": 5}
    assert client.post("/form", data={"count": "5"}).status_code == 422
    assert client.post("/upload", files={"upload": ("a.txt", b"hello", "text/plain")}).json() == {"size": 5}
    too_big = client.post("/upload", files={"upload": ("a.txt", b"x" * 9, "text/plain")})
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["type"] == "file_too_large"


def test_the_handler_gets_only_its_own_arguments(api, client_for):
    """The values only a dependency reads are taken out before the handler is called."""

    def token(x_token: Annotated[str, Header()], page: Annotated[int, Query()] = 1) -> str:
        return f"{x_token}:{page}"

    @api.get("/token")
    async def with_token(page: int = 1, t=Depends(token)):
        return {"page": page, "t": t}

    client = client_for(api)
    assert client.get("/token?page=2", headers={"X-Token": "k"}).json() == {"page": 2, "t": "k:2"}
    assert client.get("/token").status_code == 422


def test_a_dependency_reading_a_handler_key_with_another_type_is_refused():
    def count(x_count: Annotated[int, Header()]) -> int:
        return x_count

    with pytest.raises(TypeError, match="x-count"):

        @BoltAPI().get("/clash")
        async def clash(raw: Annotated[str, Header(alias="x-count")], c=Depends(count)):
            return {}


def test_a_dependency_of_one_name_in_another_source_gets_its_own_value(api, client_for):
    def header_token(token: Annotated[int, Header()]) -> int:
        return token

    @api.get("/two")
    async def two(token: Annotated[str, Query()], header=Depends(header_token)):
        return {"query": token, "header": header}

    assert client_for(api).get("/two?token=abc", headers={"token": "7"}).json() == {"query": "abc", "header": 7}
