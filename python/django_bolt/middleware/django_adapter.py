"""Django's middleware classes around bolt handlers (``BoltAPI(django_middleware=...)``).

One ``DjangoMiddlewareStack`` per route turns the bolt request into a real Django ``HttpRequest``
once, runs Django's middleware chain on it (built like Django's ``load_middleware``: sync/async
adapted, ``process_view`` hooks run before the handler, ``process_exception`` hooks when it
raises), hands the handler the bolt request with what the middleware added (``session``, ``user``,
``_messages``, ``LANGUAGE_CODE``, ...) and turns the final Django response back into a bolt one.
Exceptions no hook answers are not turned into Django's HTML error pages: they reach the server,
which answers with JSON as for any route.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string

from .. import _json
from .._django_responses import to_bolt_response
from ..concurrency import run_on_lane
from ..responses import StreamingResponse, _FileBase
from .chain import _adapt


@functools.cache
def _base_attributes() -> frozenset[str]:
    """Attributes a Django request has before any middleware ran: not copied to the bolt request."""
    plain = WSGIRequest({"REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()})
    return frozenset(plain.__dict__) | {"_stream", "_read_started", "_body", "_post", "_files", "_encoding"}


#: The Django request and the bolt response a carrier stands for.
_BOLT_REQUEST = "_bolt_request"
_BOLT_RESPONSE = "_bolt_response"
#: The Django request of a bolt request, once a Django stack made it.
_DJANGO_REQUEST = "_bolt_django_request"


#: Modules of Django's own middleware whose hooks only read and set request/response attributes,
#: headers and cookies: no database or other blocking I/O. ``contrib.sessions``, ``contrib.auth``
#: and ``contrib.messages`` are not among them (they load sessions and users).
_NON_BLOCKING_DJANGO_MODULES = ("django.middleware.",)


def _is_django_builtin_middleware(middleware_class: Any) -> bool:
    """Whether ``middleware_class`` is Django middleware whose hooks never block, so that an async
    route may call its ``process_view`` on the event loop instead of hopping to a thread.

    ``CsrfViewMiddleware`` with ``CSRF_USE_SESSIONS`` reads the session (a database load) in its
    ``process_view``, so it is not counted then."""
    module = getattr(middleware_class, "__module__", None) or ""
    if not module.startswith(_NON_BLOCKING_DJANGO_MODULES):
        return False
    if module == "django.middleware.csrf":
        from django.conf import settings

        return not getattr(settings, "CSRF_USE_SESSIONS", False)
    return True


def _class_names(cls: type) -> set[str]:
    return {cls.__name__, f"{cls.__module__}.{cls.__qualname__}"}


def to_django_request(request: Any) -> WSGIRequest:
    """A Django request for ``request``, sharing its ``META`` (so ``get_token`` and middleware see
    the same keys)."""
    # Several Django stacks on one route (``DjangoMiddleware`` entries, or app and route stacks)
    # share one Django request, as one Django middleware chain would: a session set by the outer
    # stack is there for ``AuthenticationMiddleware`` in the inner one.
    shared = getattr(request, _DJANGO_REQUEST, None)
    if shared is not None:
        return shared
    body = request.body
    environ = dict(request.META)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.errors"] = io.StringIO()
    django_request = WSGIRequest(environ)
    # The body is read already: Django's request.body/POST read it from memory.
    django_request._body = body  # type: ignore[attr-defined]
    request.META = django_request.META
    setattr(django_request, _BOLT_REQUEST, request)
    setattr(request, _DJANGO_REQUEST, django_request)
    return django_request


def _adopt_attributes(django_request: Any, request: Any) -> None:
    """What Django middleware put on the Django request, on the bolt request too: as attributes
    and, except ``user``, in ``request.state`` (where the release's handlers read them, e.g.
    ``request.state.get("tenant")``)."""
    state = None
    for name, value in django_request.__dict__.items():
        if name in _base_attributes() or name == _BOLT_REQUEST:
            continue
        if name == "user" and request.auth_backend is not None:
            continue  # a bolt authentication backend identified the caller: its user wins
        if name == "auser":
            if request.auth_backend is None:
                request._bolt_django_auser = value
                request.state["auser"] = value
            continue
        if name != "user":
            if state is None:
                state = request.state
            state[name] = value
        try:
            setattr(request, name, value)
        except AttributeError:  # a read-only attribute of the bolt request (path, method, ...)
            pass


def _carrier(response: Any) -> HttpResponseBase:
    """A Django response for middleware to read and change, standing for the bolt ``response``."""
    if isinstance(response, HttpResponseBase):
        return response
    if isinstance(response, (StreamingResponse, _FileBase)):
        carrier = HttpResponse(status=response.status_code)  # the body stays the bolt response's
        del carrier["Content-Type"]
    else:
        content = response.content
        media_type = response.media_type
        if content is None:
            body = b""
        elif isinstance(content, bytes):
            body = content
        elif isinstance(content, str):
            body = content.encode()
            media_type = media_type or "text/plain"
        else:
            body = _json.encode(content)
            media_type = media_type or "application/json"
        if media_type and media_type.startswith("text/") and "charset" not in media_type:
            media_type += "; charset=utf-8"
        carrier = HttpResponse(body, status=response.status_code, content_type=media_type)
        if media_type is None:
            del carrier["Content-Type"]
    for name, value in response.headers.items():
        carrier[name] = value
    setattr(carrier, _BOLT_RESPONSE, response)
    return carrier


def to_bolt(django_response: HttpResponseBase) -> Any:
    """The bolt response to send for what Django's middleware returned."""
    original = getattr(django_response, _BOLT_RESPONSE, None)
    if original is not None and isinstance(original, (StreamingResponse, _FileBase)):
        headers = {k: v for k, v in django_response.items() if k.lower() != "content-length"}
        original.status_code = django_response.status_code
        original.headers = headers
        original.cookies = [*original.cookies, *(m.OutputString() for m in django_response.cookies.values())]
        return original
    converted = to_bolt_response(django_response)
    if original is not None:
        converted.cookies = [*original.cookies, *converted.cookies]
    return converted


def _awaitable_hook(cls: Any, hook: Callable[..., Any]) -> Callable[..., Any]:
    """A ``process_view``/``process_exception`` hook of ``cls`` as an async function for async
    routes."""
    if iscoroutinefunction(hook):
        return hook
    if not _is_django_builtin_middleware(getattr(cls, "func", cls)):
        return sync_to_async(hook, thread_sensitive=True)

    async def on_loop(*args: Any) -> Any:
        return hook(*args)

    return on_loop


def _has_async_call(instance: Any) -> bool:
    import inspect

    # The class's own __call__, not the instance's: MiddlewareMixin marks instances by hand.
    call = next((c.__dict__["__call__"] for c in type(instance).__mro__ if "__call__" in c.__dict__), None)
    return not inspect.isfunction(instance) and inspect.iscoroutinefunction(call)


_REQUEST_HOOKS = ("process_request", "process_view", "process_response", "process_exception")


class _HooksOnly:
    """Old-style middleware (``MIDDLEWARE_CLASSES`` era): hooks and no ``__call__``. Run as
    ``MiddlewareMixin`` runs hooks: ``process_request``, the rest of the chain, then
    ``process_response``; the stack calls its ``process_view``/``process_exception``."""

    def __init__(self, cls: type, instance: Any, get_response: Callable[[Any], Any]) -> None:
        if not any(hasattr(instance, name) for name in _REQUEST_HOOKS):
            raise ImproperlyConfigured(
                f"Django middleware {cls!r} is not callable and has none of {', '.join(_REQUEST_HOOKS)}"
            )
        self.get_response = get_response
        self.process_request = getattr(instance, "process_request", None)
        self.process_response = getattr(instance, "process_response", None)
        for name in ("process_view", "process_exception"):
            if hasattr(instance, name):
                setattr(self, name, getattr(instance, name))

    def __call__(self, request: Any) -> Any:
        response = self.process_request(request) if self.process_request is not None else None
        if response is None:
            response = self.get_response(request)
        return self.process_response(request, response) if self.process_response is not None else response


def _run_chain_sync(chain: Callable[[Any], Any], request: Any) -> Any:
    return to_bolt(chain(to_django_request(request)))


class DjangoMiddlewareStack:
    """Django middleware classes (or dotted paths), first = outermost, run as one bolt middleware."""

    bolt_django_stack = True

    def __init__(self, middleware_classes: Iterable[type | str]) -> None:
        classes = []
        for entry in middleware_classes:
            cls = import_string(entry) if isinstance(entry, str) else entry
            if not callable(cls):
                raise ImproperlyConfigured(f"Django middleware {entry!r} is not a class")
            if not getattr(cls, "sync_capable", True) and not getattr(cls, "async_capable", False):
                # Django's load_middleware refuses it too: no mode can run it.
                raise RuntimeError(f"Django middleware {entry!r} sets neither sync_capable nor async_capable to True")
            classes.append(cls)
        self.middleware_classes: list[type] = classes

    @property
    def __name__(self) -> str:
        return "DjangoMiddlewareStack"

    def names(self) -> set[str]:
        return set().union(*(_class_names(c) for c in self.middleware_classes)) if self.middleware_classes else set()

    def without(self, skip: set[str]) -> DjangoMiddlewareStack:
        """This stack without the classes ``@skip_middleware`` names."""
        kept = DjangoMiddlewareStack(())
        kept.middleware_classes = [c for c in self.middleware_classes if not (_class_names(c) & skip)]
        return kept

    def build(
        self, get_response: Callable[[Any], Any], is_async: bool, view: Callable[..., Any]
    ) -> tuple[Callable[[Any], Any], bool]:
        """``(run(request), is_async)``: the stack around ``get_response`` in its mode."""
        view_hooks: list[Callable[..., Any]] = []
        # For async routes: each hook as it is awaited; the hooks of non-blocking Django middleware
        # run on the loop (no thread hop), the others on Django's thread-sensitive thread.
        async_view_hooks: list[Callable[..., Any]] = []
        # process_exception hooks, innermost first (the order Django's handler calls them in).
        exception_hooks: list[Callable[..., Any]] = []
        async_exception_hooks: list[Callable[..., Any]] = []

        if is_async:
            from .._runtime import auser
            from ..auth.compile import _reads_user

            # Django's lazy ``request.user`` queries when first read: on the loop, in an async
            # handler, Django refuses that. Handlers that read it get it loaded here, awaited.
            load_user_first = _reads_user(view)

            async def call_view(django_request: Any) -> Any:
                for hook in async_view_hooks:
                    answered = await hook(django_request, view, (), {})
                    if answered is not None:
                        return answered
                request = getattr(django_request, _BOLT_REQUEST)
                _adopt_attributes(django_request, request)
                if load_user_first:
                    # Here, after the hooks, on the request's lane (a tenant the middleware set).
                    if getattr(request, "_bolt_django_auser", None) is not None:
                        await auser(request)
                    elif request.user_id is not None:
                        await request.auser()
                try:
                    return _carrier(await get_response(request))
                except Exception as exc:
                    # As Django's handler: process_exception hooks, innermost first; the first
                    # response wins, none re-raises (the server answers with JSON).
                    for hook in async_exception_hooks:
                        answered = await hook(django_request, exc)
                        if answered is not None:
                            return answered
                    raise

            step: Callable[[Any], Any] = call_view
        else:

            def call_view_sync(django_request: Any) -> Any:
                for hook in view_hooks:
                    answered = hook(django_request, view, (), {})
                    if answered is not None:
                        return answered
                request = getattr(django_request, _BOLT_REQUEST)
                _adopt_attributes(django_request, request)
                try:
                    return _carrier(get_response(request))
                except Exception as exc:
                    for hook in exception_hooks:
                        answered = hook(django_request, exc)
                        if answered is not None:
                            return answered
                    raise

            step = call_view_sync
        step_is_async = is_async
        # As Django's load_middleware: innermost first, each adapted to the mode it can run in.
        for cls in reversed(self.middleware_classes):
            can_sync = getattr(cls, "sync_capable", True)
            can_async = getattr(cls, "async_capable", False)
            want_async = step_is_async if (can_sync and can_async) else bool(can_async)
            instance = cls(_adapt(step, step_is_async, want_async))
            if instance is None:
                raise ImproperlyConfigured(f"Django middleware {cls!r} returned None")
            if not callable(instance):
                # An old-style class (hooks, no ``__call__``): run as MiddlewareMixin runs hooks.
                want_async = False
                instance = _HooksOnly(cls, instance, _adapt(step, step_is_async, want_async))
            if hasattr(instance, "process_view"):
                view_hooks.insert(0, instance.process_view)
                async_view_hooks.insert(0, _awaitable_hook(cls, instance.process_view))
            if hasattr(instance, "process_exception"):
                exception_hooks.append(instance.process_exception)
                async_exception_hooks.append(_awaitable_hook(cls, instance.process_exception))
            step = instance
            # A factory may return an object whose own __call__ is async (a MiddlewareMixin
            # subclass with `async def __call__`): its calls give coroutines, whatever was asked.
            step_is_async = want_async or iscoroutinefunction(instance) or _has_async_call(instance)
        chain = _adapt(step, step_is_async, is_async)

        if is_async:
            # The route's chain runs it on the request's lane (``concurrency.on_async_lane``).
            async def run(request: Any) -> Any:
                return to_bolt(await chain(to_django_request(request)))

            return run, True

        def run_sync(request: Any) -> Any:
            # The hooks and the sync handler run on this thread, one after the other: a lane.
            return run_on_lane(_run_chain_sync, chain, request)

        return run_sync, False

    def __repr__(self) -> str:
        return f"DjangoMiddlewareStack({[c.__name__ for c in self.middleware_classes]})"


class DjangoMiddleware(DjangoMiddlewareStack):
    """One Django middleware class (or dotted path) in ``middleware=[...]``; ``init_kwargs`` are
    passed to it with ``get_response``."""

    def __init__(self, middleware_class: type | str, **init_kwargs: Any) -> None:
        super().__init__([middleware_class])
        self.middleware_class: type = self.middleware_classes[0]  # the class, even when given as a path
        if init_kwargs:
            cls = self.middleware_classes[0]
            configured = functools.partial(cls, **init_kwargs)
            # Read like the class itself: name (for @skip_middleware) and sync/async capability.
            for attribute in ("__name__", "__module__", "__qualname__", "sync_capable", "async_capable"):
                if hasattr(cls, attribute):
                    setattr(configured, attribute, getattr(cls, attribute))
            self.middleware_classes = [configured]  # type: ignore[list-item]


#: Middleware left out of ``django_middleware=True`` by default: none (the release's name).
DEFAULT_EXCLUDED_MIDDLEWARE: frozenset[str] = frozenset()


def get_django_middleware_setting() -> list[str]:
    """``settings.MIDDLEWARE`` as a list."""
    from django.conf import settings

    return list(getattr(settings, "MIDDLEWARE", []))


def _dotted_paths(config: dict[str, Any], key: str) -> list[str] | None:
    """``config[key]`` as a list of dotted paths (None when absent); anything else is refused, so
    that a bare string is not read as a set of characters nor a class silently matched by nothing."""
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(p, str) for p in value):
        raise ImproperlyConfigured(
            f"django_middleware={{'{key}': ...}} takes a list of dotted paths as in settings.MIDDLEWARE, not {value!r}"
        )
    return list(value)


def load_django_middleware(config: Any = True, *, exclude_defaults: bool = True) -> list[DjangoMiddlewareStack]:
    """``django_middleware=``: True (all of ``settings.MIDDLEWARE``), a list of dotted paths or
    classes, or ``{"include": [...]}``/``{"exclude": [...]}`` filtering ``settings.MIDDLEWARE``."""
    from django.conf import settings

    if config is True and exclude_defaults and DEFAULT_EXCLUDED_MIDDLEWARE:
        config = {"exclude": sorted(DEFAULT_EXCLUDED_MIDDLEWARE)}

    if config is None or config is False:
        return []
    if config is True:
        entries: Sequence[Any] = list(settings.MIDDLEWARE)
    elif isinstance(config, (list, tuple)):
        entries = list(config)
    elif isinstance(config, dict):
        unknown = set(config) - {"include", "exclude"}
        if unknown:
            raise ImproperlyConfigured(f"django_middleware: unknown keys {sorted(unknown)}; use include/exclude")
        include = _dotted_paths(config, "include")
        exclude = set(_dotted_paths(config, "exclude") or ())
        entries = [p for p in settings.MIDDLEWARE if (include is None or p in include) and p not in exclude]
    else:
        raise ImproperlyConfigured(
            f"django_middleware= takes True, a list of dotted paths or an include/exclude dict, not {config!r}"
        )
    return [DjangoMiddlewareStack(entries)] if entries else []


__all__ = [
    "DjangoMiddleware",
    "DjangoMiddlewareStack",
    "load_django_middleware",
    "get_django_middleware_setting",
    "DEFAULT_EXCLUDED_MIDDLEWARE",
    "to_django_request",
]
