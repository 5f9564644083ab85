"""The skip budget: which skips a CI stage may report. Anything else fails the run.

tests/conftest.py enforces it when ``BOLT_TEST_STAGE`` names a stage below (ci/test.sh and
ci/conda/offline_build.py set it); without the variable (a developer's run, the conda recipe's own
tests) skips are only printed (``-rs`` in pyproject.toml). Keep the lists short: each entry says
why the test cannot run there, and a skip that is not expected is a failure to investigate, not an
entry to add.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Allowed:
    test: str  # a node id, or a prefix ending in "::", "[" or "/" (a file, a parametrized test, a folder)
    reason: str  # a substring of the skip reason pytest reports
    why: str  # why this skip is expected in the stage
    python_below: tuple[int, int] | None = None  # only allowed on older CPythons
    django_below: tuple[int, int] | None = None  # only allowed with an older Django

    def matches(self, nodeid: str, reason: str) -> bool:
        if self.python_below is not None and sys.version_info[:2] >= self.python_below:
            return False
        if self.django_below is not None:
            import django

            if django.VERSION[:2] >= self.django_below:
                return False
        name_ok = nodeid == self.test or (self.test.endswith(("::", "[", "/")) and nodeid.startswith(self.test))
        return name_ok and self.reason in reason


# Language features newer than CPython 3.10; the behaviour is tested on every CPython that has them.
_NEWER_CPYTHON_ONLY = [
    Allowed(
        "tests/server/test_async_tasks.py::",
        "asyncio.timeout is new in 3.11",
        "CPython 3.10 has no asyncio.timeout",
        python_below=(3, 11),
    ),
    Allowed(
        "tests/handlers/test_handlers.py::",
        "asyncio.timeout is new in 3.11",
        "CPython 3.10 has no asyncio.timeout",
        python_below=(3, 11),
    ),
    # PEP 695 aliases (typing.TypeAliasType) first appeared in CPython 3.12.
    Allowed(
        "tests/params/test_rich_types.py::test_a_type_alias_converts_as_the_type_it_names",
        "type aliases are Python 3.12+",
        "CPython 3.10 and 3.11 have no typing.TypeAliasType",
        python_below=(3, 12),
    ),
    # Django 6.0 (CPython 3.12+) added django.utils.csp, the reference our CSP builder is compared
    # with; CPython 3.10/3.11 get Django 5.2.
    Allowed(
        "tests/middleware/test_route_metadata.py::test_the_csp_builder_renders_as_django[",
        "could not import 'django.utils.csp'",
        "Django before 6.0 has no django.utils.csp",
        django_below=(6, 0),
    ),
]

# The OpenAPI checks that need pyproject's [test]/[docs] extras which the conda package's test
# requirements do not carry (schemathesis and openapi-spec-validator bring large dependency trees
# the offline bootstrap channel does not build; the sidecar assets and PyYAML are optional
# extras): the wheel, uvloop, random-order and sdist stages run them all.
_CONDA_WITHOUT_DOCS_EXTRAS = [
    Allowed(
        "tests/openapi/test_mapping.py::",
        "openapi-spec-validator is not installed",
        "the conda test requirements have no openapi-spec-validator",
    ),
    Allowed(
        "tests/openapi/test_release_forms.py::",
        "openapi-spec-validator is not installed",
        "the conda test requirements have no openapi-spec-validator",
    ),
    Allowed(
        "tests/openapi/test_serializers_views.py::",
        "openapi-spec-validator is not installed",
        "the conda test requirements have no openapi-spec-validator",
    ),
    Allowed(
        "tests/pagination/test_paginated_item_schema.py::",
        "openapi-spec-validator is not installed",
        "the conda test requirements have no openapi-spec-validator",
    ),
    Allowed(
        "tests/openapi/test_schemathesis.py::",
        "is not installed",
        "the conda test requirements have no schemathesis or openapi-spec-validator",
    ),
    Allowed(
        "tests/openapi/test_served.py::",
        "is not installed",
        "the conda test requirements have no PyYAML or drf-spectacular-sidecar (django-bolt[docs])",
    ),
    Allowed(
        "tests/middleware/test_django_middleware.py::test_third_party_middleware_changes_request_and_response",
        "django-csp is not installed",
        "the conda test requirements have no django-csp (the third-party middleware under django_middleware=)",
    ),
    Allowed(
        "tests/openapi/test_browser.py::",
        "the django-bolt[docs] extra is not installed",
        "the browser test loads the local Swagger UI assets of django-bolt[docs]",
    ),
    Allowed(
        "tests/openapi/test_ui_pages.py::test_without_a_version_the_local_bundle_is_used_when_installed",
        "the django-bolt[docs] extra is not installed",
        "the page links the local ReDoc bundle only when django-bolt[docs] installed it",
    ),
]

# nanodjango (django_bolt.nanodjango's [nanodjango] extra, in pyproject's [test] extra) is not in
# the conda test requirements: the offline channel does not build it and its dependency tree
# (django-ninja, uvicorn, gunicorn, black, isort); the wheel stages run these tests.
_CONDA_WITHOUT_NANODJANGO = [
    Allowed(
        "tests/nanodjango/",
        "nanodjango is not installed",
        "the conda test requirements have no nanodjango",
    ),
]

# The connection lifecycle and fault tests need a PostgreSQL cluster they may stop and restart:
# they run once, in ci/test.sh's PostgreSQL stage (BOLT_DB=postgres), not in every suite.
_POSTGRES_STAGE_ONLY = [
    Allowed(
        "tests/db/",
        "PostgreSQL fault tests run in the PostgreSQL stage (BOLT_DB=postgres)",
        "ci/test.sh runs tests/db once, in its PostgreSQL stage",
    ),
]

# `pixi run test` (ci/pixi_test.py) on Linux: pixi.toml's test environment has the conda test
# requirements (so the same OpenAPI extras are missing) and no browser (conda-forge has none).
_PIXI_WITHOUT_BROWSER = [
    Allowed(
        "tests/openapi/test_browser.py::",
        "no Chromium found",
        "pixi.toml's environments hold no browser; ci/test.sh runs the browser test",
    ),
]

STAGES: dict[str, list[Allowed]] = {
    # ci/test.sh: the installed wheel on every CPython, uvloop, random order, the sdist install
    "wheel": _NEWER_CPYTHON_ONLY + _POSTGRES_STAGE_ONLY,
    "uvloop": _NEWER_CPYTHON_ONLY + _POSTGRES_STAGE_ONLY,
    "random-order": _NEWER_CPYTHON_ONLY + _POSTGRES_STAGE_ONLY,
    "sdist": _NEWER_CPYTHON_ONLY + _POSTGRES_STAGE_ONLY,
    # ci/test.sh's PostgreSQL stage: the database tests on PostgreSQL 15, once
    "postgres": [],
    # ci/conda/offline_build.py: the conda package in a fresh environment per CPython, with the
    # recipe's test requirements (pyproject's [test] extra) and the machine's redis-server
    "conda": _NEWER_CPYTHON_ONLY + _CONDA_WITHOUT_DOCS_EXTRAS + _CONDA_WITHOUT_NANODJANGO + _POSTGRES_STAGE_ONLY,
    # ci/pixi_test.py (`pixi run test`) on Linux; in CI, the simulated pixi environment of
    # ci/conda/offline_build.py (redis-server from the environment, required)
    "pixi": _NEWER_CPYTHON_ONLY
    + _CONDA_WITHOUT_DOCS_EXTRAS
    + _CONDA_WITHOUT_NANODJANGO
    + _PIXI_WITHOUT_BROWSER
    + _POSTGRES_STAGE_ONLY,
}
