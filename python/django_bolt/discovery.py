"""Finds the project's APIs: ``settings.BOLT_API``, else an ``api.py`` (or ``bolt_api.py``) of the
project package and of each installed app, taking the first ``BoltAPI`` each module assigns."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Iterable
from typing import Any

from .api import BoltAPI
from .api_names import find_bolt_api_names
from .openapi.routes import OpenAPIRouteRegistrar

NO_API_FOUND = (
    "No BoltAPI found: set BOLT_API = 'package.module.api' or define `api = BoltAPI()` "
    "in an api.py of the project package or of an installed app"
)
#: Module names, in each package, that discovery looks in.
API_MODULE_NAMES = ("api", "bolt_api")


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


def project_packages(root_urlconf: str | None) -> list[str]:
    """Where the project's own API lives: the package of the settings module and of
    ``ROOT_URLCONF``; ``""`` (top-level modules) when ``ROOT_URLCONF`` is a plain module."""
    packages: list[str] = []
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if "." in settings_module:
        packages.append(settings_module.rsplit(".", 1)[0])
    if root_urlconf:
        top = root_urlconf.split(".")[0]
        if "." not in root_urlconf:
            try:
                spec = importlib.util.find_spec(root_urlconf)
            except (ImportError, ValueError):
                spec = None
            # ``urls.py`` next to ``api.py``: the API is the top-level module ``api``.
            if spec is not None and spec.submodule_search_locations is None:
                top = ""
        packages.append(top)
    return packages


def _first_api(module_name: str) -> tuple[str, BoltAPI] | None:
    """``("module:attr", api)`` for the first BoltAPI the module assigns (``api`` is also tried,
    for an API built by a factory), or None when the module does not exist or defines none."""
    names = find_bolt_api_names(module_name)
    if "api" not in names and "." in module_name:
        # Only inside the project's packages: a top-level ``api`` may be an unrelated library.
        names.append("api")
    try:
        if importlib.util.find_spec(module_name) is None:
            return None
    except (ImportError, ValueError):
        return None
    module = importlib.import_module(module_name)
    for name in names:
        candidate = getattr(module, name, None)
        if isinstance(candidate, BoltAPI):
            return f"{module_name}:{name}", candidate
    return None


def discover_api_entries(app_configs: Iterable[Any] | None = None) -> list[tuple[str, BoltAPI]]:
    """Every API of the project as ``("module:attr", api)``, each API once.

    ``app_configs`` defaults to Django's installed apps; an app config may name its API with a
    ``bolt_api = "module:attr"`` attribute.
    """
    from django.conf import settings

    dotted = getattr(settings, "BOLT_API", None)
    if isinstance(dotted, (list, tuple)):
        # The release's form: a list of "module:attr"; the APIs are merged like discovered ones.
        if not all(isinstance(d, str) for d in dotted):
            raise TypeError(f"BOLT_API must be a dotted path or a list of them, not {dotted!r}")
        return _unique((d, _load(d)) for d in dotted)
    if dotted:
        if not isinstance(dotted, str):
            raise TypeError(f"BOLT_API must be a dotted path or a list of them, not {dotted!r}")
        return [(dotted, _load(dotted))]
    if app_configs is None:
        from django.apps import apps

        app_configs = apps.get_app_configs()
    found: list[tuple[str, BoltAPI]] = []
    project = project_packages(getattr(settings, "ROOT_URLCONF", None))
    # ("package", name): look for its api modules; ("entry", "module:attr"): an app's own hint.
    sources = [("package", package) for package in dict.fromkeys(project)]
    for config in app_configs:
        hint = getattr(config, "bolt_api", None)
        if isinstance(hint, str):
            sources.append(("entry", hint))
        elif config.name != "django_bolt" and ("package", config.name) not in sources:
            sources.append(("package", config.name))
    for kind, value in sources:
        if kind == "entry":
            found.append((value, _load(value)))
            continue
        for module_suffix in API_MODULE_NAMES:
            entry = _first_api(f"{value}.{module_suffix}" if value else module_suffix)
            if entry is not None:
                found.append(entry)
                break
    return _unique(found)


def _unique(entries: Iterable[tuple[str, BoltAPI]]) -> list[tuple[str, BoltAPI]]:
    """An API reached twice (a package and its app, a module imported under two names) once."""
    seen: set[int] = set()
    unique = []
    for name, api in entries:
        if id(api) not in seen:
            seen.add(id(api))
            unique.append((name, api))
    return unique


def discover_apis() -> list[BoltAPI]:
    return [api for _, api in discover_api_entries()]


def discover_api() -> BoltAPI:
    """One API with every discovered route; the first API's trailing-slash policy applies."""
    apis = discover_apis()
    if not apis:
        raise LookupError(NO_API_FOUND)
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
    OpenAPIRouteRegistrar(merged, middleware=first.middleware).register_routes()
    for api in apis:
        merged.mount("", api)
    return merged
