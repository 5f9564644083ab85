"""Finds the project's APIs: ``settings.BOLT_API``, else ``api.py`` in the project and its apps."""

from __future__ import annotations

import importlib
import importlib.util
import os

from .api import BoltAPI


def _load(dotted: str) -> BoltAPI:
    module_name, _, attr = dotted.rpartition(":") if ":" in dotted else dotted.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        api = getattr(module, attr)
    except (ImportError, AttributeError):
        module = importlib.import_module(dotted)
        api = module.api
    if not isinstance(api, BoltAPI):
        raise TypeError(f"BOLT_API {dotted!r} is a {type(api).__name__}, not a BoltAPI")
    return api


def _find_api_modules() -> list[str]:
    from django.apps import apps

    candidates: list[str] = []
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if "." in settings_module:
        candidates.append(settings_module.rsplit(".", 1)[0])
    for config in apps.get_app_configs():
        if config.name not in candidates:
            candidates.append(config.name)
    found = []
    for package in candidates:
        name = f"{package}.api"
        try:
            if importlib.util.find_spec(name) is not None:
                found.append(name)
        except (ImportError, ValueError):
            continue
    return found


def discover_apis() -> list[BoltAPI]:
    from django.conf import settings

    dotted = getattr(settings, "BOLT_API", None)
    if isinstance(dotted, (list, tuple)):
        # The release's form: a list of "module:attr"; the APIs are merged like discovered ones.
        if not all(isinstance(d, str) for d in dotted):
            raise TypeError(f"BOLT_API must be a dotted path or a list of them, not {dotted!r}")
        return [_load(d) for d in dotted]
    if dotted:
        if not isinstance(dotted, str):
            raise TypeError(f"BOLT_API must be a dotted path or a list of them, not {dotted!r}")
        return [_load(dotted)]
    apis = []
    for name in _find_api_modules():
        api = getattr(importlib.import_module(name), "api", None)
        if isinstance(api, BoltAPI):
            apis.append(api)
    return apis


def discover_api() -> BoltAPI:
    """One API with every discovered route; the first API's trailing-slash policy applies."""
    apis = discover_apis()
    if not apis:
        raise LookupError(
            "No BoltAPI found: set BOLT_API = 'package.module.api' or define `api = BoltAPI()` "
            "in an api.py of the project package or of an installed app"
        )
    return merge_apis(apis)


def merge_apis(apis: list[BoltAPI]) -> BoltAPI:
    """One API serving the routes of every API of ``apis``, each with its own settings (auth,
    guards, logging, middleware); the first one's trailing-slash policy and compression apply,
    and at most one error formatter (equal ones count as one)."""
    if len(apis) == 1:
        return apis[0]
    first = apis[0]
    # The first API owns the docs: its OpenAPI config, and its middleware around the pages.
    merged = BoltAPI(
        trailing_slash=first.trailing_slash, compression=first.compression, openapi_config=first.openapi_config
    )
    merged.docs_middleware = first.middleware
    for api in apis:
        merged.mount("", api)
    return merged
