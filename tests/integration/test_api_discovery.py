"""Discovery reads which names an api module assigns a BoltAPI to, without importing it first,
and finds APIs in ``api.py``/``bolt_api.py`` of the project (next to ``ROOT_URLCONF``) and of apps."""

from __future__ import annotations

import sys
import textwrap
from types import SimpleNamespace

import pytest
from django.core.management import CommandError
from django.test import override_settings
from django_bolt import BoltAPI
from django_bolt.api_names import find_bolt_api_names
from django_bolt.discovery import discover_api_entries
from django_bolt.management.commands.runbolt import Command


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Writes modules into a directory on sys.path; they are forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)

    def write(relative: str, source: str) -> None:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))

    yield write
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_the_names_assigned_a_boltapi_in_source_order(project):
    project(
        "names_mod.py",
        """
        import django_bolt.api as bolt
        import django_bolt
        from django_bolt import BoltAPI as Api
        from elsewhere import BoltAPI
        first: Api = Api(prefix="/a")
        second = third = bolt.BoltAPI()
        fourth = django_bolt.api.BoltAPI()
        not_ours = BoltAPI()
        count = len([1])
        def factory():
            inner = Api()
        """,
    )
    assert find_bolt_api_names("names_mod") == ["first", "second", "third", "fourth"]
    assert "names_mod" not in sys.modules  # read, not imported


def test_unreadable_or_missing_modules_have_no_names(project):
    project("broken_mod.py", "def broken(:\n")
    assert find_bolt_api_names("broken_mod") == []
    assert find_bolt_api_names("no_such_module_here") == []
    assert find_bolt_api_names("no_such_package_here.api") == []


def test_an_api_named_app_in_bolt_api_py_of_an_app_is_found(project):
    project("shop/__init__.py", "")
    project("shop/bolt_api.py", "from django_bolt import BoltAPI\napp = BoltAPI()\n")
    entries = discover_api_entries([SimpleNamespace(name="shop")])
    assert [name for name, _ in entries] == ["shop.bolt_api:app"]
    assert isinstance(entries[0][1], BoltAPI)


def test_the_api_next_to_a_plain_root_urlconf_and_inside_a_package_one(project):
    project("plainurls.py", "urlpatterns = []\n")
    project("api.py", "from django_bolt.api import BoltAPI\nfactory_made = None\nsite = BoltAPI()\n")
    with override_settings(ROOT_URLCONF="plainurls"):
        assert [name for name, _ in discover_api_entries([])] == ["api:site"]
    project("pkgurls/__init__.py", "urlpatterns = []\n")
    project("pkgurls/api.py", "from django_bolt.api import BoltAPI\napi = BoltAPI()\n")
    with override_settings(ROOT_URLCONF="pkgurls"):
        assert [name for name, _ in discover_api_entries([])] == ["pkgurls.api:api"]


def test_an_app_config_names_its_api_and_each_api_counts_once(project):
    project("hinted/__init__.py", "")
    project("hinted/endpoints.py", "from django_bolt import BoltAPI\nv2 = BoltAPI()\n")
    project("hinted/api.py", "from hinted.endpoints import v2 as api\n")
    app = SimpleNamespace(name="hinted", bolt_api="hinted.endpoints:v2")
    same_package = SimpleNamespace(name="hinted")
    assert [name for name, _ in discover_api_entries([app, same_package])] == ["hinted.endpoints:v2"]


def test_runbolt_reports_a_bolt_api_entry_that_cannot_be_imported():
    with override_settings(BOLT_API=["tests.integration.no_module_by_this_name:api"]):
        with pytest.raises(CommandError, match="no_module_by_this_name"):
            Command().autodiscover_apis()
    with override_settings(BOLT_API=["tests.integration.other_api:api"]):
        assert [name for name, _ in Command().autodiscover_apis()] == ["tests.integration.other_api:api"]
