"""Django integration: settings read once into a config, autodiscovery, the runbolt command."""

from pathlib import Path

import pytest
from django.test import override_settings
from django_bolt import BoltAPI
from django_bolt.conf import BoltConfig
from django_bolt.discovery import discover_api, discover_apis
from django_bolt.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]


def test_config_reads_settings_once_with_overrides():
    with override_settings(BOLT_MAX_UPLOAD_SIZE=1234, BOLT_KEEP_ALIVE_TIMEOUT=2, DEBUG=True):
        config = BoltConfig.from_settings(workers=3)
    assert (config.max_body_bytes, config.keep_alive_timeout, config.debug, config.workers) == (1234, 2.0, True, 3)
    assert config.server_dict()["max_body_bytes"] == 1234
    with pytest.raises(ValueError):
        with override_settings(BOLT_EVENT_LOOP="gevent"):
            BoltConfig.from_settings()


def test_body_limit_from_settings_applies_in_process(api):
    @api.post("/upload")
    async def upload(request):
        return {"size": len(request.body)}

    with override_settings(BOLT_MAX_UPLOAD_SIZE=10):
        client = TestClient(api.compile(BoltConfig.from_settings()))
    assert client.post("/upload", content=b"x" * 10).json() == {"size": 10}
    too_big = client.post("/upload", content=b"x" * 11)
    assert too_big.status_code == 413
    assert "limit of 10 bytes" in too_big.json()["detail"]


def test_autodiscovery_finds_api_modules_of_installed_apps():
    apis = discover_apis()
    from tests.testapp.api import api as testapp_api

    assert testapp_api in apis
    client = TestClient(discover_api())
    assert client.get("/testapp/ping").json() == {"app": "testapp"}


def test_bolt_api_setting_wins():
    with override_settings(BOLT_API="tests.integration.other_api.api"):
        apis = discover_apis()
    from tests.integration.other_api import api

    assert apis == [api]


def test_bolt_api_setting_takes_the_release_list_form():
    from tests.integration.other_api import api
    from tests.testapp.api import api as testapp_api

    with override_settings(BOLT_API=["tests.integration.other_api:api", "tests.testapp.api:api"]):
        assert discover_apis() == [api, testapp_api]
        client = TestClient(discover_api())
    assert client.get("/other").json() == {"other": True}
    assert client.get("/testapp/ping").json() == {"app": "testapp"}
    with override_settings(BOLT_API=[42]):
        with pytest.raises(TypeError, match="BOLT_API"):
            discover_apis()


def test_bolt_api_setting_must_name_a_boltapi():
    with override_settings(BOLT_API="tests.integration.other_api.not_an_api"):
        with pytest.raises(TypeError):
            discover_apis()


def test_several_apis_are_merged():
    first, second = BoltAPI(), BoltAPI()

    @first.get("/one")
    async def one():
        return 1

    @second.get("/two")
    async def two():
        return 2

    merged = BoltAPI()
    merged.mount("", first)
    merged.mount("", second)
    client = TestClient(merged)
    assert client.get("/one").json() == 1 and client.get("/two").json() == 2


def test_console_script_version(capsys):
    from django_bolt import __version__
    from django_bolt.cli import main

    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == f"Django-Bolt version: {__version__}"
