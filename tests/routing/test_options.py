"""Every accepted option is enforced, refused with a clear error, or (documentation-only) kept on
the route/app for OpenAPI: nothing is silently dropped (docs/compatibility.md has the table)."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from django_bolt import BoltAPI, Request, Router
from django_bolt.auth import (
    BaseAuthentication,
    BasePermission,
    IsAuthenticated,
    JWTAuthentication,
    SessionAuthentication,
)
from django_bolt.middleware import CompressionConfig
from django_bolt.openapi import OpenAPIConfig
from django_bolt.param_functions import Body, File, Query
from django_bolt.request import UploadFile

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


class Out(msgspec.Struct):
    id: int


def test_route_validate_response_overrides_the_api(client_for):
    api = BoltAPI()

    @api.get("/checked", response_model=Out)
    def checked() -> dict:
        return {"id": "not an int"}

    @api.get("/unchecked", response_model=Out, validate_response=False)
    def unchecked() -> dict:
        return {"id": "not an int"}

    loose = BoltAPI(validate_response=False)

    @loose.get("/forced", response_model=Out, validate_response=True)
    def forced() -> dict:
        return {"id": "x"}

    api.mount("/loose", loose)
    client = client_for(api)
    assert client.get("/checked").status_code == 500
    assert client.get("/unchecked").json() == {"id": "not an int"}
    assert client.get("/loose/forced").status_code == 500


def test_outer_router_auth_applies_to_included_routers(client_for):
    inner = Router(prefix="/inner", tags=["inner"])

    @inner.get("/secret", tags=["own"])
    def secret() -> dict:
        return {"secret": True}

    outer = Router(prefix="/outer", tags=["outer"], auth=[JWTAuthentication()], guards=[IsAuthenticated()])
    outer.include_router(inner)
    api = BoltAPI()
    api.include_router(outer)
    # The outer router's auth used to be dropped for included routers: open to anyone.
    assert client_for(api).get("/outer/inner/secret").status_code == 401
    # Documentation-only options are kept on the route for the OpenAPI generator.
    (route,) = api.routes
    assert route.tags == ["outer", "inner", "own"]


def test_documentation_options_are_kept_on_routes_and_app():
    config = OpenAPIConfig(title="x", version="1")
    api = BoltAPI(openapi_config=config)

    @api.post("/x", name="make-x", summary="Make", description="Makes x", include_in_schema=False, tags=["x"])
    def make() -> dict:
        return {}

    other = BoltAPI(openapi_config=OpenAPIConfig(title="other", version="1"))
    api.mount("/other", other)
    (route,) = api.routes
    assert (route.name, route.summary, route.description, route.include_in_schema, route.tags) == (
        "make-x",
        "Make",
        "Makes x",
        False,
        ["x"],
    )
    assert api.openapi_config is config
    assert api.mounts == [("/other", other)]
    # They reach the document (include_in_schema=False: the route is left out of it).
    api.compile()
    assert api.openapi_schema["info"]["title"] == "x" and api.openapi_schema["paths"] == {}


def test_refused_options_name_what_is_unsupported():
    with pytest.raises(TypeError, match="logging_config"):
        BoltAPI(logging_config={"level": "INFO"})
    with pytest.raises(ValueError, match="zstd_level"):
        CompressionConfig(zstd_level=10)
    with pytest.raises(ValueError, match="status_code"):
        BoltAPI().get("/x", status_code=1000)
    with pytest.raises(Exception, match="login_url"):  # enforced now (tests/auth/test_session_login.py)
        SessionAuthentication(login_url="")
    with pytest.raises(ValueError, match="trailing_slash"):
        BoltAPI(trailing_slash="strip").mount("/a", BoltAPI(trailing_slash="append"))
    with pytest.raises(ValueError, match="compression"):
        BoltAPI().mount("/a", BoltAPI(compression=False))


def test_release_style_user_hooks_are_enforced_not_ignored():
    from django_bolt.auth.user_loader import BackendMethodsLoader
    from django_bolt.auth.users import DjangoUserLoader

    class WithGetUser(JWTAuthentication):
        async def get_user(self, user_id, auth_context):
            return None

    # The override loads request.user (tests/auth/test_user_loader.py runs it through requests).
    assert isinstance(WithGetUser().user_loader, BackendMethodsLoader)
    with pytest.raises(Exception, match="one way of loading users"):
        WithGetUser(user_loader=DjangoUserLoader())
    with pytest.raises(Exception, match="load_user"):
        JWTAuthentication(user_loader=object())


def test_a_permission_without_has_permission_is_refused():
    class Forgot(BasePermission):
        def allowed(self, request) -> bool:
            return False

    api = BoltAPI()

    @api.get("/x", guards=[Forgot()])
    def x() -> dict:
        return {}

    with pytest.raises(TypeError, match=r"GET /x.*Forgot.*has_permission"):
        api.compile()


def test_enable_logging_false_turns_the_access_log_off():
    from django_bolt.conf import BoltConfig

    logged = BoltConfig.build(access_log=True)
    assert BoltAPI().server_config(logged).access_log is True
    quiet = BoltAPI(enable_logging=False)
    assert quiet.server_config(logged).access_log is False
    parent = BoltAPI()
    parent.mount("", quiet)  # one server, one access log: a quiet API keeps it off
    assert parent.server_config(logged).access_log is False


def test_backend_classes_and_dotted_paths_are_accepted_and_others_refused(client_for):
    class Header(BaseAuthentication):
        def authenticate(self, request: Request):
            return {"sub": "h"} if request.headers.get("x-h") else None

    api = BoltAPI()

    @api.get("/h", auth=[Header])
    def h(request: Request) -> dict:
        return request.context

    client = client_for(api)
    assert client.get("/h", headers={"x-h": "1"}).json() == {"sub": "h"}
    assert client.get("/h").status_code == 401
    bad = BoltAPI()

    # Refused when the route is declared (an ImproperlyConfigured that is also a TypeError).
    with pytest.raises(TypeError, match="BaseAuthentication"):

        @bad.get("/b", auth=[object()])
        def b() -> dict:
            return {}


def test_parameter_options_that_would_be_ignored_are_refused():
    cases = []
    api = BoltAPI()

    @api.post("/a")
    def a(item: Annotated[Out, Body(min_length=2)]) -> dict:
        return {}

    cases.append((api, "min_length cannot apply to a JSON body"))
    api = BoltAPI()

    @api.post("/b")
    def b(f: Annotated[UploadFile, File(max_length=3)]) -> dict:
        return {}

    cases.append((api, "max_length cannot apply to an uploaded file"))
    api = BoltAPI()

    @api.get("/c")
    def c(q: Annotated[str, Query(embed=True)]) -> dict:
        return {}

    cases.append((api, r"embed= only applies to Body\(\)"))
    for app, message in cases:
        with pytest.raises(TypeError, match=message):
            app.compile()
    with pytest.raises(ValueError, match="media_type"):
        Body(media_type="application/xml")


def test_test_client_takes_the_release_options_it_honours():
    from django_bolt.testing import AsyncTestClient, TestClient

    api = BoltAPI()

    @api.get("/boom")
    def boom() -> dict:
        raise RuntimeError("boom")

    with TestClient(api, raise_server_exceptions=False, use_http_layer=True) as client:
        assert client.get("/boom").status_code == 500
    with TestClient(api, raise_server_exceptions=True) as client, pytest.raises(RuntimeError, match="boom"):
        client.get("/boom")
    AsyncTestClient(api, static_files_config={"url_prefix": "/s"})
    with pytest.raises(TypeError, match=r"use_http_layer=\) can only be True"):
        TestClient(api, use_http_layer=False)
    with pytest.raises(TypeError, match=r"static_files_config\['cache_control'\] is not supported"):
        AsyncTestClient(api, static_files_config={"url_prefix": "/s", "cache_control": "public"})
