"""django_bolt.nanodjango: the BoltAPI of single-file apps and nanodjango's plugin hooks."""

from __future__ import annotations

import ast
import logging
import sys
import types
from importlib.metadata import entry_points

import pytest
from django.conf import settings
from django.test import override_settings

pytest.importorskip("nanodjango", reason="nanodjango is not installed")

from django_bolt import BoltAPI as PlainBoltAPI  # noqa: E402
from django_bolt import Router  # noqa: E402
from django_bolt.nanodjango import (  # noqa: E402
    BoltAPI,
    convert_build_app_api,
    convert_build_settings,
    django_pre_setup,
)
from django_bolt.testing import TestClient  # noqa: E402


@pytest.fixture(autouse=True)
def own_settings():
    # The plugin writes INSTALLED_APPS and BOLT_API: every write is undone after the test.
    with override_settings():
        yield


@pytest.fixture
def module():
    """A module the API can be a global variable of."""
    mod = types.ModuleType("nano_app_under_test")
    sys.modules[mod.__name__] = mod
    yield mod
    del sys.modules[mod.__name__]


@pytest.fixture
def warnings_logged():
    logger = logging.getLogger("django_bolt.nanodjango")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def test_installs_the_app_once_and_is_a_bolt_api():
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "django_bolt"]
    first, second = BoltAPI(), BoltAPI()
    assert list(settings.INSTALLED_APPS).count("django_bolt") == 1
    assert isinstance(first, PlainBoltAPI) and isinstance(second, PlainBoltAPI)


def test_module_defaults_to_the_callers():
    assert BoltAPI()._module_name == __name__
    assert BoltAPI(module="some.where")._module_name == "some.where"


def test_first_route_names_the_api_in_bolt_api(module):
    del settings.BOLT_API
    api = BoltAPI(module=module.__name__)
    module.bolt = api
    assert not hasattr(settings, "BOLT_API")  # not before a route: the variable may not exist yet

    @api.get("/hello")
    async def hello():
        return {"hello": "nano"}

    assert settings.BOLT_API == ["nano_app_under_test:bolt"]

    @api.post("/again")
    async def again():
        return {}

    assert settings.BOLT_API == ["nano_app_under_test:bolt"]  # once
    assert TestClient(api).get("/hello").json() == {"hello": "nano"}


def test_existing_bolt_api_entries_are_kept(module):
    settings.BOLT_API = "project.api:api"  # our single-string form
    api = BoltAPI(module=module.__name__)
    module.api = api
    router = Router()

    @router.get("/r")
    async def routed():
        return {}

    api.include_router(router)  # a router is a route too
    assert settings.BOLT_API == ["project.api:api", "nano_app_under_test:api"]
    settings.BOLT_API = ["nano_app_under_test:api"]
    api._bolt_api_configured = False
    api._configure_bolt_api()
    assert settings.BOLT_API == ["nano_app_under_test:api"]


def test_an_api_no_global_holds_is_reported(module, warnings_logged):
    del settings.BOLT_API
    api = BoltAPI(module=module.__name__)  # built in a function: no module variable holds it

    @api.get("/x")
    async def x():
        return {}

    assert not hasattr(settings, "BOLT_API")
    assert api._bolt_api_configured is True  # reported once, not at every route
    (record,) = warnings_logged
    assert "could not auto-configure BOLT_API" in record.getMessage()
    assert "built inside a function" in record.getMessage()


def test_an_api_of_a_module_not_imported_is_reported(warnings_logged):
    api = BoltAPI(module="not.imported.anywhere")

    @api.get("/x")
    async def x():
        return {}

    assert any("'not.imported.anywhere' is not imported" in r.getMessage() for r in warnings_logged)


@pytest.mark.parametrize("register", ["get", "post", "put", "patch", "delete", "head", "options", "query", "websocket"])
def test_every_route_decorator_configures(module, register):
    api = BoltAPI(module=module.__name__)
    module.api = api

    @getattr(api, register)("/x")
    async def x(request):
        return {}

    assert api._bolt_api_configured is True


def test_pre_setup_hook_installs_the_app():
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "django_bolt"]
    django_pre_setup(app=None)
    django_pre_setup(app=None)
    assert list(settings.INSTALLED_APPS).count("django_bolt") == 1


def _settings_apps(source: str) -> list[str]:
    tree = ast.parse(source)
    convert_build_settings(None, None, tree)
    return [item.value for item in tree.body[0].value.elts]


def test_converted_settings_list_the_app_once():
    assert _settings_apps("INSTALLED_APPS = ['django.contrib.auth']") == ["django.contrib.auth", "django_bolt"]
    assert _settings_apps("INSTALLED_APPS = ['django_bolt', 'x']") == ["django_bolt", "x"]
    tree = ast.parse("DEBUG = True")
    convert_build_settings(None, None, tree)
    assert ast.unparse(tree) == "DEBUG = True"


class Recorder:
    """Stands in for nanodjango's Resolver: records what the hook registers."""

    def __init__(self) -> None:
        self.objects: list[str] = []
        self.references: set[str] = set()

    def add_object(self, name: str) -> None:
        self.objects.append(name)

    def add_references(self, names: set[str]) -> None:
        self.references |= set(names)


SINGLE_FILE = """\
from nanodjango import Django
import django_bolt.nanodjango
app = Django()
bolt = BoltAPI()
other = django_bolt.nanodjango.BoltAPI(prefix="/v2")
not_an_api = Something()

@bolt.get("/hello", auth=True)
async def hello(request):
    return helper()

@other.websocket("/ws")
async def socket(websocket):
    pass

@bolt.trace("/t")
async def unknown_verb(request):
    pass

@app.route("/")
def home(request):
    return "home"

def helper():
    return {}

bolt.mount("/v2", other)
bolt.mount_django("/")
not_an_api.mount_django("/")
"""


def test_convert_moves_the_apis_routes_and_mounts():
    converter = types.SimpleNamespace(ast=ast.parse(SINGLE_FILE))
    resolver = Recorder()
    returned_resolver, moved = convert_build_app_api(converter, resolver, [])
    assert returned_resolver is resolver
    assert moved == [
        "bolt = BoltAPI()",
        "other = django_bolt.nanodjango.BoltAPI(prefix='/v2')",
        "@bolt.get('/hello', auth=True)\nasync def hello(request):\n    return helper()",
        "@other.websocket('/ws')\nasync def socket(websocket):\n    pass",
        "bolt.mount('/v2', other)",
        "bolt.mount_django('/')",
    ]
    assert resolver.objects == ["bolt", "other", "hello", "socket"]
    assert {"BoltAPI", "helper", "django_bolt"} <= resolver.references


def test_convert_of_a_file_without_api_moves_nothing():
    resolver = Recorder()
    assert convert_build_app_api(types.SimpleNamespace(ast=ast.parse("")), resolver, []) == (resolver, [])
    assert resolver.objects == []


def test_nanodjango_finds_the_plugin_by_its_entry_point():
    (found,) = [ep for ep in entry_points(group="nanodjango") if ep.name == "django-bolt"]
    assert found.value == "django_bolt.nanodjango"
    plugin = found.load()
    for hook in ("django_pre_setup", "convert_build_settings", "convert_build_app_api"):
        assert callable(getattr(plugin, hook))
