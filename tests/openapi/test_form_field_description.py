"""A form field's marker ``description`` is shown on its property of the form body schema."""

from __future__ import annotations

from django_bolt import BoltAPI
from django_bolt.param_functions import Form


def test_form_field_description_and_default(client_for):
    api = BoltAPI()

    @api.post("/note")
    async def note(title: str = Form(description="The title"), tag: str = Form(default="none")):
        return {}

    doc = client_for(api).get("/docs/openapi.json").json()
    schema = doc["paths"]["/note"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["title"] == {"type": "string", "description": "The title"}
    assert schema["properties"]["tag"] == {"type": "string", "default": "none"}
    assert schema["required"] == ["title"]
