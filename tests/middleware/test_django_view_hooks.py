"""Django middleware ``process_view`` hooks on async routes, and what middleware adds to the
request reaching ``request.state``: the hooks of Django's own non-blocking middleware run on the
event loop, other hooks on Django's thread-sensitive thread."""

from __future__ import annotations

import asyncio

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.test import override_settings
from django.utils.deprecation import MiddlewareMixin
from django_bolt import BoltAPI, Request
from django_bolt.middleware import DjangoMiddlewareStack
from django_bolt.middleware.django_adapter import _is_django_builtin_middleware


class ThirdPartyViewHook(MiddlewareMixin):
    def process_view(self, request, view_func, view_args, view_kwargs):
        request.hook_on_loop = _event_loop_running()
        request.tenant = "acme"


def _event_loop_running() -> bool:
    # Not the thread's name: an async handler may continue on the ORM thread after an await
    # (the executor hand-off of _runtime.BoltEventLoop), so only "was the loop running here"
    # tells the event loop from Django's thread-sensitive thread.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class NonBlockingDjangoViewHook(ThirdPartyViewHook):
    """Stands for a hook of Django's own ``django.middleware`` package."""


NonBlockingDjangoViewHook.__module__ = "django.middleware.bolt_test_hook"


def test_only_djangos_own_non_blocking_middleware_counts():
    assert _is_django_builtin_middleware(CommonMiddleware) is True
    assert _is_django_builtin_middleware(CsrfViewMiddleware) is True
    for blocking in (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware, ThirdPartyViewHook):
        assert _is_django_builtin_middleware(blocking) is False


def test_csrf_middleware_with_sessions_may_block():
    with override_settings(CSRF_USE_SESSIONS=True):
        assert _is_django_builtin_middleware(CsrfViewMiddleware) is False


def _api(hook: type) -> BoltAPI:
    api = BoltAPI(middleware=[DjangoMiddlewareStack([hook])])

    @api.get("/where")
    async def where(request: Request) -> dict:
        return {
            "hook_on_loop": request.state.get("hook_on_loop"),
            "tenant": request.state.get("tenant"),
            "attribute": request.tenant,
        }

    return api


@pytest.mark.parametrize(("hook", "on_loop"), [(NonBlockingDjangoViewHook, True), (ThirdPartyViewHook, False)])
def test_where_an_async_routes_view_hook_runs(client_for, hook, on_loop):
    body = client_for(_api(hook)).get("/where").json()
    assert body["hook_on_loop"] is on_loop
    assert body["tenant"] == body["attribute"] == "acme"


def test_sessions_reach_request_state(client_for):
    api = BoltAPI(django_middleware=["django.contrib.sessions.middleware.SessionMiddleware"])

    @api.get("/session")
    def session(request: Request) -> dict:
        return {"same": request.state["session"] is request.session}

    assert client_for(api).get("/session").json() == {"same": True}


SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"


def test_django_middleware_include_and_exclude_take_dotted_paths():
    from django.core.exceptions import ImproperlyConfigured
    from django_bolt.middleware.django_loader import load_django_middleware

    with override_settings(MIDDLEWARE=[SESSIONS, COMMON]):
        assert load_django_middleware({"exclude": [SESSIONS]})[0].middleware_classes == [CommonMiddleware]
        assert load_django_middleware({"include": (SESSIONS,)})[0].middleware_classes == [SessionMiddleware]
        for key in ("include", "exclude"):
            # A bare string is not a set of characters, a class is not a dotted path.
            for wrong in (SESSIONS, [SessionMiddleware]):
                with pytest.raises(ImproperlyConfigured, match="dotted paths"):
                    load_django_middleware({key: wrong})


def test_one_django_request_across_several_django_middleware_entries(client_for):
    from django_bolt.middleware import DjangoMiddleware

    wrapped = DjangoMiddleware("django.contrib.sessions.middleware.SessionMiddleware")
    assert wrapped.middleware_class is SessionMiddleware
    api = BoltAPI(middleware=[wrapped, DjangoMiddleware("django.contrib.auth.middleware.AuthenticationMiddleware")])

    @api.get("/anonymous")
    def anonymous(request: Request) -> dict:
        # AuthenticationMiddleware (second entry) found the session of the first entry.
        return {"authenticated": request.user.is_authenticated, "session": request.session.session_key}

    assert client_for(api).get("/anonymous").json() == {"authenticated": False, "session": None}
