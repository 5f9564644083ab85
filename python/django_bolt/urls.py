"""URL names of bolt routes for Django's ``reverse()`` and ``{% url %}``.

Include this module in the project's URLconf::

    urlpatterns = [path("", include("django_bolt.urls")), ...]

and every bolt route is reversible by its name: ``name=`` on the route, else the handler's
function name (an explicit name wins over a derived one; two explicit names for different paths
are an error). Routes of a ``Router``/``BoltAPI`` with ``namespace=`` reverse as
``"namespace:name"`` (nested: ``"outer:inner:name"``). Paths are given in the API's canonical
``trailing_slash`` form. The patterns only serve reversing: bolt answers these paths in Rust, and
a request that reaches Django through them anyway gets bolt's JSON 404.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseNotFound
from django.urls import URLPattern, URLResolver, include, path

_PARAM = re.compile(r"\{(\*?)([^}:]+)(?::([^}]+))?\}")


def django_route(bolt_path: str) -> str:
    """``/files/{*rest}`` → ``files/<path:rest>``; ``/items/{id}`` → ``items/<id>``."""

    def convert(match: re.Match[str]) -> str:
        catch_all, name, converter = match.groups()
        return f"<path:{name}>" if catch_all or converter == "path" else f"<{name}>"

    return _PARAM.sub(convert, bolt_path).lstrip("/")


#: The release's name for ``django_route``.
_to_django_route = django_route


def canonical_path(route_path: str, trailing_slash: str) -> str:
    """The path as the router registers it (``src/router.rs`` ``TrailingSlash::normalize``)."""
    if trailing_slash == "strip":
        return route_path.rstrip("/") or "/"
    keeps = route_path.endswith("/") or (route_path.endswith("}") and "{*" in route_path)
    return route_path if trailing_slash != "append" or keeps else route_path + "/"


def reverse_only_view(request: Any, *args: Any, **kwargs: Any) -> HttpResponseNotFound:
    return HttpResponseNotFound(b'{"detail":"Not Found"}', content_type="application/json")


reverse_only_view.bolt_reverse_only = True  # type: ignore[attr-defined]


def _named_routes(api: Any) -> dict[tuple[tuple[str, ...], str], tuple[str, bool]]:
    """``(namespaces, name) -> (django route, explicit)``, collisions settled."""
    chosen: dict[tuple[tuple[str, ...], str], tuple[str, bool]] = {}
    outer = (api.namespace,) if getattr(api, "namespace", None) else ()
    for route in api.routes:
        explicit = bool(route.name) and not route.name_derived
        name = route.name or getattr(route.handler, "__name__", None)
        if not name or name.startswith("<"):
            continue
        target = django_route(canonical_path(route.path, api.trailing_slash))
        key = ((*outer, *route.namespace), name)
        previous = chosen.get(key)
        if previous is None or (explicit and not previous[1]):
            chosen[key] = (target, explicit)
        elif previous[0] != target and explicit and previous[1]:
            label = ":".join((*key[0], name))
            raise ImproperlyConfigured(f"route name {label!r} is given to both {previous[0]!r} and {target!r}")
    return chosen


def build_urlpatterns(api: Any) -> list[URLPattern | URLResolver]:
    """Reverse-only patterns for every named route of ``api``, namespaced as declared."""
    tree: dict[str, Any] = {"": []}
    for (namespaces, name), (target, _explicit) in _named_routes(api).items():
        node = tree
        for namespace in namespaces:
            node = node.setdefault(namespace, {"": []})
        node[""].append(path(target, reverse_only_view, name=name))

    def patterns(node: dict[str, Any]) -> list[URLPattern | URLResolver]:
        out = list(node[""])
        for namespace, child in node.items():
            if namespace:
                out.append(path("", include((patterns(child), namespace), namespace=namespace)))
        return out

    return patterns(tree)


def _discovered() -> list[URLPattern | URLResolver]:
    from .discovery import discover_api

    try:
        api = discover_api()
    except LookupError:
        return []
    return build_urlpatterns(api)


urlpatterns = _discovered()

__all__ = ["build_urlpatterns", "canonical_path", "django_route", "urlpatterns"]
