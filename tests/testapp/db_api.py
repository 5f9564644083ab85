"""The API of the connection lifecycle tests (tests/db): BOLT_TEST_API=tests.testapp.db_api.api."""

from __future__ import annotations

import threading

from asgiref.sync import sync_to_async
from django.db import connection, transaction
from django_bolt import BoltAPI
from django_bolt.health import register_health_checks

from tests.testapp.models import Article

api = BoltAPI()
register_health_checks(api)


def _backend() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        (pid,) = cursor.fetchone()
    return {"pid": pid, "thread": threading.get_ident()}


@api.get("/db/sync")
def sync_backend() -> dict:
    return _backend()


@api.get("/db/async")
async def async_backend() -> dict:
    return await sync_to_async(_backend)()


@api.get("/db/async-orm")
async def async_orm(title: str) -> dict:
    return {"count": await Article.objects.filter(title=title).acount()}


@api.get("/db/count")
def count(title: str) -> dict:
    return {"count": Article.objects.filter(title=title).count()}


@api.post("/db/leak-atomic")
def leak_atomic(title: str) -> dict:
    """Enters a transaction and never leaves it: the server must roll it back."""
    transaction.atomic().__enter__()
    Article.objects.create(title=title)
    return {"in_atomic_block": connection.in_atomic_block}


@api.post("/db/leak-autocommit")
def leak_autocommit(title: str) -> dict:
    transaction.set_autocommit(False)
    Article.objects.create(title=title)
    return {"autocommit": connection.get_autocommit()}


@api.post("/db/create-then-fail")
def create_then_fail(title: str) -> dict:
    Article.objects.create(title=title)
    raise RuntimeError("after the insert")


@api.post("/db/create")
def create(title: str) -> dict:
    return {"id": Article.objects.create(title=title).pk}


@api.post("/db/create-non-atomic")
@transaction.non_atomic_requests
def create_non_atomic_then_fail(title: str) -> dict:
    Article.objects.create(title=title)
    raise RuntimeError("after the insert, outside ATOMIC_REQUESTS")


@api.get("/db/nothing")
def nothing() -> dict:
    """Never touches the database."""
    return {"thread": threading.get_ident()}


# Token auth whose revocation store and user loading query the database (tests/db).
from django_bolt.auth import IsAuthenticated, JWTAuthentication, create_jwt_for_user  # noqa: E402
from django_bolt.auth.revocation import DjangoORMRevocation  # noqa: E402
from django_bolt.request import Request  # noqa: E402

jwt_auth = JWTAuthentication(revocation_store=DjangoORMRevocation())


@api.post("/db/users")
def create_user(username: str) -> dict:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username=username)
    return {"token": create_jwt_for_user(user)}


@api.get("/db/me", auth=[jwt_auth], guards=[IsAuthenticated()])
async def me(request: Request) -> dict:
    return {"username": (await request.auser()).username}


# An async route with Django middleware: its sync work runs on the request's lane (tests/db).
from django.utils.deprecation import MiddlewareMixin  # noqa: E402
from django_bolt.middleware import DjangoMiddleware  # noqa: E402
from django_bolt.router import Router  # noqa: E402

_lane_local = threading.local()


class _MarksItsThread(MiddlewareMixin):
    def process_request(self, request):
        _lane_local.hook_thread = threading.get_ident()


lane_router = Router(middleware=[DjangoMiddleware(_MarksItsThread)])


def _backend_and_hook_thread() -> dict:
    return {**_backend(), "hook_thread": getattr(_lane_local, "hook_thread", None)}


@lane_router.get("/db/lane")
async def lane_backend() -> dict:
    backend = await sync_to_async(_backend_and_hook_thread)()
    count = await Article.objects.filter(title="lane").acount()
    return {**backend, "count": count}


api.include_router(lane_router)
