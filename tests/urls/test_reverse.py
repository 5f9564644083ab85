"""``django_bolt.urls``: Django's ``reverse()`` and ``{% url %}`` resolve bolt route names, with
``namespace=`` on APIs and routers, in the API's canonical trailing-slash form."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Engine
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django_bolt import BoltAPI
from django_bolt.testing import TestClient
from django_bolt.urls import build_urlpatterns

URLCONF = "tests.urls.reverse_urls"


class _Conf:
    """A URLconf object (Django caches resolvers by URLconf, so it must be hashable)."""

    def __init__(self, urlpatterns: list) -> None:
        self.urlpatterns = urlpatterns


def _conf(patterns: list) -> _Conf:
    return _Conf(patterns)


def test_explicit_and_derived_names() -> None:
    assert reverse("item-detail", urlconf=URLCONF, kwargs={"item_id": 7}) == "/items/7"
    assert reverse("item-detail", urlconf=URLCONF, args=[8]) == "/items/8"
    # Without name=, the handler's function name.
    assert reverse("health_check", urlconf=URLCONF) == "/health"
    assert reverse("file", urlconf=URLCONF, kwargs={"rest": "a/b.txt"}) == "/files/a/b.txt"


def test_namespaces_of_routers_and_mounted_apis() -> None:
    assert reverse("users:detail", urlconf=URLCONF, kwargs={"user_id": 3}) == "/users/3"
    assert reverse("users:tools:purge", urlconf=URLCONF) == "/users/tools/purge"
    assert reverse("v2:item-detail", urlconf=URLCONF, kwargs={"item_id": 1}) == "/v2/items/1"
    with pytest.raises(NoReverseMatch):
        reverse("detail", urlconf=URLCONF, kwargs={"user_id": 3})


def test_the_reversed_path_is_served_by_the_route() -> None:
    from tests.urls.reverse_urls import api

    client = TestClient(api)
    assert client.get(reverse("item-detail", urlconf=URLCONF, args=[5])).json() == {"id": 5}


@override_settings(ROOT_URLCONF=URLCONF)
def test_url_template_tag() -> None:
    rendered = Engine().from_string("{% url 'users:detail' user_id=9 %} {% url 'item-detail' 4 %}")
    rendered = rendered.render(Context())
    assert rendered == "/users/9 /items/4"


def test_trailing_slash_policy_is_applied() -> None:
    api = BoltAPI(trailing_slash="append")

    @api.get("/things")
    async def things() -> dict:
        return {}

    assert reverse("things", urlconf=_conf(build_urlpatterns(api))) == "/things/"


def test_two_explicit_names_for_different_paths_are_refused() -> None:
    api = BoltAPI()

    @api.get("/a", name="same")
    async def a() -> dict:
        return {}

    @api.get("/b", name="same")
    async def b() -> dict:
        return {}

    with pytest.raises(ImproperlyConfigured, match="'same'"):
        build_urlpatterns(api)


def test_an_explicit_name_wins_over_a_derived_one() -> None:
    api = BoltAPI()

    @api.get("/derived")
    async def listing() -> dict:
        return {}

    @api.get("/explicit", name="listing")
    async def other() -> dict:
        return {}

    assert reverse("listing", urlconf=_conf(build_urlpatterns(api))) == "/explicit"


def test_class_based_views_are_named_after_their_class_unless_named() -> None:
    from django_bolt import ViewSet, action
    from django_bolt.views import APIView

    api = BoltAPI()

    @api.view("/box")
    class BoxView(APIView):
        async def get(self, request) -> dict:
            return {}

    @api.viewset("/users")
    class UserViewSet(ViewSet):
        async def list(self, request) -> list:
            return []

        @action(["GET"], detail=False)
        async def recent(self, request) -> list:
            return []

    @api.get("/named-box", name="BoxView")
    async def named_box() -> dict:
        return {}

    conf = _conf(build_urlpatterns(api))
    assert reverse("UserViewSet-list", urlconf=conf) == "/users"
    assert reverse("UserViewSet-recent", urlconf=conf) == "/users/recent"
    assert reverse("BoxView", urlconf=conf) == "/named-box"  # a given name wins over the class name
    explicit = {(m, p): api._handler_meta[i]["name_explicit"] for m, p, i, _h in api._routes}
    assert explicit == {
        ("GET", "/box"): False,
        ("GET", "/users"): False,
        ("GET", "/users/recent"): False,
        ("GET", "/named-box"): True,
    }
    unnamed = BoltAPI()
    unnamed.view("/only")(BoxView)
    assert reverse("BoxView", urlconf=_conf(build_urlpatterns(unnamed))) == "/only"


def test_the_module_reads_the_discovered_api() -> None:
    import importlib

    import django_bolt.urls as bolt_urls

    with override_settings(BOLT_API="tests.urls.reverse_urls.api"):
        patterns = importlib.reload(bolt_urls).urlpatterns
    importlib.reload(bolt_urls)
    assert reverse("users:detail", urlconf=_conf(patterns), kwargs={"user_id": 1}) == "/users/1"


def test_the_release_name_of_the_route_converter() -> None:
    from django_bolt.urls import _to_django_route, django_route

    assert _to_django_route is django_route
    assert _to_django_route("/files/{*rest}") == "files/<path:rest>"
    assert _to_django_route("/files/{p:path}") == "files/<path:p>"
    assert _to_django_route("/items/{id:int}") == "items/<id>"
