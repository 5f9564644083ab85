"""HEAD and OPTIONS handlers cannot read a body: refused where the route is declared."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from django_bolt import BoltAPI
from django_bolt._compile import RouteDefinitionError
from django_bolt.param_functions import Form, Query


class Item(msgspec.Struct):
    name: str


@pytest.mark.parametrize("method", ["head", "options"])
def test_a_body_parameter_is_refused_at_the_decorator(method):
    api = BoltAPI()
    with pytest.raises(RouteDefinitionError, match=f"{method.upper()} handler cannot have body parameters \\(item\\)"):

        @getattr(api, method)("/x")
        async def handler(item: Item):
            return {}


def test_a_form_field_is_refused_too_and_the_error_is_a_type_error():
    api = BoltAPI()
    with pytest.raises(TypeError, match="cannot have body parameters"):

        @api.head("/x")
        async def handler(name: Annotated[str, Form()]):
            return {}


def test_query_parameters_and_other_methods_are_allowed(client_for):
    api = BoltAPI()

    @api.head("/h")
    async def head(q: Annotated[int, Query()] = 1):
        return {}

    @api.post("/p")
    async def post(item: Item):
        return {"name": item.name}

    client = client_for(api)
    assert client.head("/h?q=2").status_code == 200
    assert client.post("/p", json={"name": "a"}).json() == {"name": "a"}
