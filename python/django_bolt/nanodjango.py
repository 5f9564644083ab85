"""django-bolt in a nanodjango single-file app (``pip install "django-bolt[nanodjango]"``).

::

    from nanodjango import Django
    from django_bolt.nanodjango import BoltAPI

    app = Django()
    bolt = BoltAPI()          # after Django(): that is where settings are configured

    @bolt.get("/hello")
    async def hello():
        return {"message": "hello"}

Run with ``python app.py runbolt``. This ``BoltAPI`` adds ``django_bolt`` to
``INSTALLED_APPS`` and, at its first route, names itself in ``settings.BOLT_API``
(``"<module>:<variable>"``) so that ``runbolt`` serves it. The module is also nanodjango's
plugin (entry point ``nanodjango: django-bolt``): ``nanodjango convert`` moves the API, its
routes and mounts into the converted project's ``app/api.py``.

nanodjango loads this module while ``Django()`` runs, before Django's settings are configured,
so nothing here touches ``django.conf.settings`` at import time (pluggy inspects every
attribute of the module, and the unconfigured settings object raises on inspection).
"""

from __future__ import annotations

import ast
import inspect
import logging
import sys
from typing import Any

from nanodjango import defer, hookimpl
from nanodjango.convert.utils import collect_references, get_decorators

from .api import BoltAPI as _BoltAPI

logger = logging.getLogger(__name__)

#: The route decorators of a BoltAPI that ``nanodjango convert`` recognises on a function.
ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "query", "websocket"})
#: Statements ``api.<name>(...)`` that ``nanodjango convert`` moves along with the API.
MOUNT_CALLS = frozenset({"mount", "mount_django", "mount_asgi", "include_router"})

_APP_LABEL = "django_bolt"


def _install_app() -> None:
    from django.conf import settings  # here, not at import: see the module docstring

    if _APP_LABEL not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, _APP_LABEL]


class BoltAPI(_BoltAPI):
    """A ``django_bolt.api.BoltAPI`` that configures a nanodjango app for itself.

    ``module``: the module whose global variable holds this API (default: the caller's); pass
    ``module=__name__`` when the API is built inside a function.
    """

    def __init__(self, *args: Any, module: str | None = None, **kwargs: Any) -> None:
        if module is None:
            caller = inspect.currentframe().f_back  # type: ignore[union-attr]
            module = caller.f_globals.get("__name__", "__main__") if caller is not None else "__main__"
            del caller  # a frame kept on the instance would keep the caller's locals alive
        self._module_name: str = module
        #: Set once the API has tried to name itself in ``BOLT_API`` (tried once, at the first route).
        self._bolt_api_configured = False
        super().__init__(*args, **kwargs)
        _install_app()

    def _configure_bolt_api(self) -> None:
        """Adds ``"<module>:<variable>"`` of this API to ``settings.BOLT_API`` (once). The variable
        is found at the first route, when the module-level assignment has happened."""
        if self._bolt_api_configured:
            return
        self._bolt_api_configured = True
        from django.conf import settings

        module = sys.modules.get(self._module_name)
        if module is None:
            self._warn_not_configured(f"module {self._module_name!r} is not imported")
            return
        variable = next((name for name, value in vars(module).items() if value is self), None)
        if variable is None:
            self._warn_not_configured(
                f"no global variable of module {self._module_name!r} holds this BoltAPI "
                "(was it built inside a function?)"
            )
            return
        entry = f"{self._module_name}:{variable}"
        current = getattr(settings, "BOLT_API", None)
        entries = [current] if isinstance(current, str) else list(current or ())
        if entry not in entries:
            settings.BOLT_API = [*entries, entry]

    def _warn_not_configured(self, reason: str) -> None:
        logger.warning(
            "django_bolt.nanodjango: could not auto-configure BOLT_API: %s. "
            "Pass BoltAPI(module=__name__) or set settings.BOLT_API yourself.",
            reason,
        )

    # Every way a route gets onto the API names it in BOLT_API first.
    def _add(self, method: str, path: str, handler: Any, **options: Any) -> None:
        self._configure_bolt_api()
        super()._add(method, path, handler, **options)

    def static(self, path: str, content: Any, **options: Any) -> None:
        self._configure_bolt_api()
        super().static(path, content, **options)

    def include_router(self, router: Any, prefix: str = "") -> None:
        self._configure_bolt_api()
        super().include_router(router, prefix)

    def mount(self, prefix: str, api: Any) -> None:
        self._configure_bolt_api()
        super().mount(prefix, api)

    def mount_django(self, path: str, app: Any = None, **options: Any) -> None:
        self._configure_bolt_api()
        super().mount_django(path, app, **options)

    def mount_asgi(self, path: str, app: Any) -> None:
        self._configure_bolt_api()
        super().mount_asgi(path, app)


# nanodjango's plugin hooks (found through the ``nanodjango`` entry point).


@hookimpl
def django_pre_setup(app: Any) -> None:
    """django-bolt installed: its app (``runbolt``, migrations) is in ``INSTALLED_APPS`` even
    when no ``BoltAPI`` of this module is built."""
    if defer.is_installed("django_bolt"):
        _install_app()


@hookimpl
def convert_build_settings(converter: Any, resolver: Any, settings_ast: ast.Module) -> None:
    """``nanodjango convert``: the generated ``settings.py`` lists ``django_bolt`` in
    ``INSTALLED_APPS`` (once: Django refuses an app listed twice)."""
    for node in settings_ast.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)):
            continue
        if not any(isinstance(target, ast.Name) and target.id == "INSTALLED_APPS" for target in node.targets):
            continue
        listed = {item.value for item in node.value.elts if isinstance(item, ast.Constant)}
        if _APP_LABEL not in listed:
            node.value.elts.append(ast.Constant(value=_APP_LABEL))
        return


def _called_name(call: ast.expr) -> str | None:
    """``BoltAPI`` for ``BoltAPI(...)`` and ``x.y.BoltAPI(...)``."""
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _method_of(expr: ast.expr, apis: set[str]) -> str | None:
    """``"get"`` for ``api.get`` (and ``api.get(...)``) when ``api`` is one of ``apis``."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in apis:
        return expr.attr
    return None


def _bolt_statement(node: ast.stmt, apis: set[str]) -> list[str]:
    """The names a top-level statement defines when it is a ``BoltAPI(...)`` assignment (its
    targets, remembered in ``apis``) or a function with one of their route decorators."""
    if isinstance(node, ast.Assign) and _called_name(node.value) == "BoltAPI":
        names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        apis.update(names)
        return names
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        _method_of(decorator, apis) in ROUTE_DECORATORS for decorator in get_decorators(node)
    ):
        return [node.name]
    return []


@hookimpl
def convert_build_app_api(converter: Any, resolver: Any, extra_src: list[str]) -> tuple[Any, list[str]]:
    """``nanodjango convert``: moves ``x = BoltAPI(...)``, the functions decorated with its
    routes and its ``x.mount*(...)``/``x.include_router(...)`` calls into ``app/api.py``."""
    apis: set[str] = set()
    for node in converter.ast.body:
        defined = _bolt_statement(node, apis)
        is_mount = isinstance(node, ast.Expr) and _method_of(node.value, apis) in MOUNT_CALLS
        if not defined and not is_mount:
            continue
        for name in defined:
            resolver.add_object(name)
        extra_src.append(ast.unparse(node))
        resolver.add_references(collect_references(node))
    return resolver, extra_src


__all__ = ["BoltAPI", "convert_build_app_api", "convert_build_settings", "django_pre_setup"]
