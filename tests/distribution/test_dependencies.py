"""The test client works after a plain install: httpx is a dependency of the installed package
(not only of the [test] extra), as in the public release."""

from __future__ import annotations

import re
from importlib.metadata import requires


def test_httpx_is_a_runtime_dependency():
    plain = [r for r in requires("django-bolt") or [] if "extra ==" not in r]
    names = {re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower() for r in plain}
    assert {"django", "msgspec", "httpx"} <= names, plain


def test_testing_module_imports():
    from django_bolt.testing import AsyncTestClient, TestClient

    assert TestClient.__module__ == AsyncTestClient.__module__ == "django_bolt.testing.client"
