"""Routes under Django's own middleware classes (tests/middleware/test_django_middleware*.py; served
over a socket with BOLT_TEST_API=tests.testapp.django_middleware_api.api)."""

from __future__ import annotations

import importlib.util

from django.contrib import messages
from django.contrib.auth import alogin, login
from django.contrib.auth.models import User
from django.middleware.csrf import get_token
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django_bolt import BoltAPI, Request
from django_bolt.middleware import skip_middleware

MIDDLEWARE: list = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]


class CountUsers:
    """An old-style sync-only Django middleware that queries the database: under async handlers it
    must run in a thread (no SynchronousOnlyOperation)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Users"] = str(User.objects.count())
        return response


MIDDLEWARE.append(CountUsers)
#: A third-party package's middleware (django-csp: a header on the response, a nonce on the
#: request); the conda recipe's test environment does not have it.
HAS_CSP = importlib.util.find_spec("csp") is not None
if HAS_CSP:
    MIDDLEWARE.append("csp.middleware.CSPMiddleware")

api = BoltAPI(django_middleware=MIDDLEWARE)


@api.post("/django/login")
@csrf_exempt
def log_in(request: Request) -> dict:
    user = User.objects.get(username=request.form["username"])
    login(request, user)
    return {"logged_in": user.username}


@api.post("/django/alogin")
@csrf_exempt
async def alog_in(request: Request) -> dict:
    user = await User.objects.aget(username=request.form["username"])
    await alogin(request, user)
    return {"logged_in": user.username}


@api.get("/django/me")
def me(request: Request) -> dict:
    return {"user": request.user.username, "authenticated": request.user.is_authenticated}


@api.get("/django/ame")
async def ame(request: Request) -> dict:
    user = await request.auser()
    return {"user": user.username, "authenticated": user.is_authenticated}


@api.post("/django/count")
def count(request: Request) -> dict:
    request.session["count"] = request.session.get("count", 0) + 1
    return {"count": request.session["count"]}


@api.post("/django/acount")
async def acount(request: Request) -> dict:
    value = await request.session.aget("count", 0) + 1
    await request.session.aset("count", value)
    return {"count": value}


@api.get("/django/token")
def token(request: Request) -> dict:
    return {"token": get_token(request)}


@api.post("/django/unsafe")
def unsafe() -> dict:
    return {"changed": True}


@api.post("/django/no-csrf")
@skip_middleware("CsrfViewMiddleware")
def no_csrf() -> dict:
    return {"changed": True}


@api.post("/django/message")
@csrf_exempt
def message(request: Request) -> dict:
    messages.info(request, "saved")
    return {"queued": True}


@api.get("/django/messages")
def read_messages(request: Request) -> dict:
    return {"messages": [m.message for m in messages.get_messages(request)]}


@api.get("/django/language")
async def language(request: Request) -> dict:
    return {"language": request.LANGUAGE_CODE, "active": translation.get_language()}


@api.get("/django/nonce")
def nonce(request: Request) -> dict:
    return {"nonce": str(request.csp_nonce)}


@api.get("/django/stream")
def stream():
    from django_bolt.responses import StreamingResponse

    return StreamingResponse(iter([b"a", b"b"]), media_type="text/plain")


@api.post("/django/signup")
@csrf_exempt
def signup(request: Request) -> dict:
    User.objects.get_or_create(username=request.form["username"])
    return {"created": True}
