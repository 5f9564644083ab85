"""The bolt API of the Django site: routes that win over the URLconf, a mounted ASGI app and
lifespan hooks that record themselves in ``BOLT_TEST_LIFESPAN_LOG``."""

from __future__ import annotations

from contextlib import asynccontextmanager

from django.conf import settings
from django_bolt import BoltAPI


def _log(line: str) -> None:
    if settings.BOLT_TEST_LIFESPAN_LOG:
        with open(settings.BOLT_TEST_LIFESPAN_LOG, "a") as f:
            f.write(line + "\n")


@asynccontextmanager
async def lifespan(api):
    _log("startup")
    api.started = True
    yield
    _log("shutdown")


api = BoltAPI(lifespan=lifespan, namespace="site")


@api.get("/hello", name="hello")
async def hello() -> dict:
    return {"hello": "bolt", "started": getattr(api, "started", False)}


@api.get("/page/bolt")
async def bolt_page() -> dict:
    return {"served_by": "bolt"}


async def tiny_app(scope, receive, send):
    """A minimal ASGI app: echoes what it was given."""
    event = await receive()
    body = f"{scope['method']} {scope['root_path']} {scope['path']} {event['body'].decode()}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


api.mount_asgi("/tiny", tiny_app)
