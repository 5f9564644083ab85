"""The middleware test APIs on one server (BOLT_TEST_API=tests.testapp.mw_server_api.api), each
route keeping its own API's middleware."""

from __future__ import annotations

from django_bolt import BoltAPI

from tests.testapp import django_middleware_api, python_middleware_api

api = BoltAPI()
api.mount("", python_middleware_api.api)
api.mount("", django_middleware_api.api)
