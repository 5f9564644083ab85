"""``validate_response`` for class-based views: the route's, the action's, the class's, then the
API's; the results are checked against the method's return annotation (a serializer's output is
what it declares, so it is not checked again)."""

from __future__ import annotations

import msgspec
from django_bolt import BoltAPI, ViewSet, action
from django_bolt.views import APIView


class Point(msgspec.Struct):
    x: int


BAD = [{"x": "not-a-number"}]


def _routes(api: BoltAPI) -> None:
    @api.view("/by-api")
    class ByApi(APIView):
        async def get(self, request) -> list[Point]:
            return BAD

    @api.view("/class-off")
    class ClassOff(APIView):
        validate_response = False

        def get(self, request) -> list[Point]:
            return BAD

    @api.view("/route-on", validate_response=True)
    class RouteOn(APIView):
        validate_response = False

        async def get(self, request) -> list[Point]:
            return BAD

    @api.viewset("/points")
    class Points(ViewSet):
        validate_response = False

        async def list(self, request) -> list[Point]:
            return BAD

        @action(methods=["GET"], detail=False, path="checked", validate_response=True)
        async def checked(self, request) -> list[Point]:
            return BAD

        @action(methods=["GET"], detail=False, path="good", validate_response=True)
        async def good(self, request) -> list[Point]:
            return [{"x": 7, "extra": "dropped"}, Point(x=8)]


def test_view_results_are_checked_as_the_nearest_setting_says(client_for):
    api = BoltAPI()
    _routes(api)
    client = client_for(api)
    checked = {"/by-api", "/route-on", "/points/checked"}
    for path in ("/by-api", "/class-off", "/route-on", "/points", "/points/checked"):
        response = client.get(path)
        if path in checked:
            assert (response.status_code, response.json()) == (500, {"detail": "Response validation error"}), path
        else:
            assert (response.status_code, response.json()) == (200, BAD), path
    # Checked results are converted to the annotated type (as for function handlers).
    assert client.get("/points/good").json() == [{"x": 7}, {"x": 8}]
    flags = {path: api._handler_meta[index]["_has_response_validation"] for _m, path, index, _h in api._routes}
    assert {path for path, on in flags.items() if on} == {*checked, "/points/good"}


def test_an_api_without_checks_leaves_view_results_alone(client_for):
    api = BoltAPI(validate_response=False)
    _routes(api)
    client = client_for(api)
    assert client.get("/by-api").json() == BAD
    assert client.get("/route-on").status_code == 500
