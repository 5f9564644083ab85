"""Guard entries that could never be made are refused when the route is declared, naming the
guard and the route."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_bolt import BoltAPI
from django_bolt.auth import IsAuthenticated, Requires


def test_a_guard_class_that_needs_arguments_is_refused_with_its_route():
    api = BoltAPI()
    with pytest.raises(ImproperlyConfigured, match=r"Guard Requires on GET /admin could not be instantiated"):
        api.get("/admin", guards=[Requires])(lambda: {})


def test_a_bare_name_is_not_a_dotted_path():
    api = BoltAPI()
    with pytest.raises(ImproperlyConfigured, match=r"Guard str on POST /x is not a guard"):
        api.post("/x", guards=["IsAuthenticated"])(lambda: {})


def test_classes_made_without_arguments_and_dotted_paths_are_accepted(client_for):
    api = BoltAPI()

    @api.get("/a", guards=[IsAuthenticated, "django_bolt.auth.AllowAny"])
    async def a() -> dict:
        return {}

    assert client_for(api).get("/a").status_code == 401
