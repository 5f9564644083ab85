"""``response_model={status: model}``: one response model per status."""

from __future__ import annotations

import msgspec
import pytest
from django_bolt import JSON, BoltAPI


class Item(msgspec.Struct):
    id: int


class Problem(msgspec.Struct):
    detail: str


@pytest.fixture
def client(client_for):
    api = BoltAPI()

    @api.get("/items/{item_id}", response_model={200: Item, 404: Problem, ...: Problem})
    async def item(item_id: int):
        if item_id == 0:
            return 404, {"detail": "missing"}
        if item_id == 1:
            return JSON({"detail": "gone"}, status_code=410)
        if item_id == 2:
            return 503, {"detail": "later"}
        if item_id == 3:
            return 200, {"id": "not a number"}
        return {"id": item_id}

    @api.delete("/items/{item_id}", response_model={204: None, 404: Problem})
    def remove(item_id: int):
        return 204, None

    @api.post("/errors-only", response_model={400: Problem, 500: Problem})
    def errors_only():
        return {"detail": "bare"}

    return client_for(api, raise_server_exceptions=False)


def test_each_status_answers_with_its_model(client):
    assert (client.get("/items/5").status_code, client.get("/items/5").json()) == (200, {"id": 5})
    assert (client.get("/items/0").status_code, client.get("/items/0").json()) == (404, {"detail": "missing"})
    assert client.get("/items/1").status_code == 410
    assert (client.get("/items/2").status_code, client.get("/items/2").json()) == (503, {"detail": "later"})


def test_a_body_that_does_not_fit_its_status_model_is_a_500(client):
    assert client.get("/items/3").status_code == 500


def test_none_model_sends_no_body_and_the_default_status_is_the_lowest(client):
    response = client.delete("/items/1")
    assert response.status_code == 204 and response.content == b""
    assert client.post("/errors-only").status_code == 400


def test_only_ellipsis_or_bad_keys_are_refused_at_registration():
    api = BoltAPI()
    with pytest.raises(ValueError, match="at least one integer status code"):
        api.get("/x", response_model={...: Problem})
    with pytest.raises(ValueError, match="HTTP statuses"):
        api.get("/x", response_model={"200": Item})


def test_openapi_documents_every_status():
    api = BoltAPI()

    @api.get("/items/{item_id}", response_model={200: Item, 404: Problem, ...: Problem})
    async def item(item_id: int):
        return {"id": item_id}

    @api.delete("/items/{item_id}", response_model={204: None})
    def remove(item_id: int):
        return 204, None

    api.compile()
    paths = api.openapi_schema["paths"]["/items/{item_id}"]
    get = paths["get"]["responses"]
    assert get["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert get["default"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "content" not in paths["delete"]["responses"]["204"]
