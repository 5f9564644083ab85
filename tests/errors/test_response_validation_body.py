"""A result that does not match the route's response model is a 500 that says so; which fields
failed is shown only in DEBUG."""

from __future__ import annotations

import msgspec
from django.test import override_settings
from django_bolt import BoltAPI


class Item(msgspec.Struct):
    name: str


def _api() -> BoltAPI:
    api = BoltAPI()

    @api.get("/bad", response_model=list[Item])
    async def bad():
        return [{"name": 1}]

    return api


def test_response_validation_error_is_named_without_details(client_for):
    with override_settings(DEBUG=False):
        response = client_for(_api()).get("/bad")
    assert response.status_code == 500
    assert response.json() == {"detail": "Response validation error"}


def test_debug_lists_the_failing_fields(client_for):
    with override_settings(DEBUG=True):
        response = client_for(_api()).get("/bad")
    assert response.status_code == 500
    body = response.json()
    assert body["detail"] == "Response validation error"
    assert body["validation_errors"][0]["loc"][0] == "response"
