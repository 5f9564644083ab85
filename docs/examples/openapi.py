from typing import Annotated, Literal

import msgspec
from django_bolt import BoltAPI
from django_bolt.auth import APIKeyAuthentication, IsAuthenticated
from django_bolt.openapi import OpenAPIConfig, RedocRenderPlugin, SwaggerRenderPlugin
from django_bolt.openapi.spec import Tag
from django_bolt.param_functions import Query
from django_bolt.testing import TestClient


class Pet(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    kind: Literal["cat", "dog"]


zoo = BoltAPI(
    openapi_config=OpenAPIConfig(
        title="Zoo",
        version="1.0.0",
        tags=[Tag(name="pets", description="Everyone who lives here")],
        render_plugins=[SwaggerRenderPlugin(), RedocRenderPlugin()],  # /docs shows the first
    )
)


@zoo.get("/pets", tags=["pets"])
async def list_pets(
    kind: Literal["cat", "dog"] | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> list[Pet]:
    """List pets.

    Filtered by kind, at most `limit` of them."""
    return [Pet(name="Tom", kind="cat")][:limit]


@zoo.post(
    "/pets",
    tags=["pets"],
    status_code=201,
    auth=[APIKeyAuthentication(api_keys=["s3cret"])],
    guards=[IsAuthenticated()],
)
async def add_pet(pet: Pet) -> Pet:
    return pet


client = TestClient(zoo)
spec = client.get("/docs/openapi.json").json()  # also /docs/openapi.yaml
assert spec["openapi"] == "3.1.0" and spec["info"]["title"] == "Zoo"
listing = spec["paths"]["/pets"]["get"]
assert listing["summary"] == "List pets."  # the docstring's first line
assert listing["parameters"][1]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
adding = spec["paths"]["/pets"]["post"]
assert adding["security"] == [{"ApiKeyAuth": []}]
assert set(adding["responses"]) == {"201", "401", "413", "422", "default"}
assert spec["components"]["schemas"]["Pet"]["properties"]["kind"] == {"enum": ["cat", "dog"], "type": "string"}
assert "swagger-ui" in client.get("/docs").text and client.get("/docs/redoc").status_code == 200
