"""``runbolt --dev`` when the project's API cannot be loaded (a syntax error, a bad route): the
worker keeps running and answers every request with a 500 that, in DEBUG, shows the error, so the
browser shows what to fix; the next file change starts a worker with the new code."""

from __future__ import annotations

import traceback
from typing import Any

from .api import BoltAPI
from .responses import JSON
from .route_errors import describe_route_error

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def broken_api(exc: BaseException) -> BoltAPI:
    """An API whose every path and method answers 500 with ``exc`` (details only in DEBUG)."""
    summary = describe_route_error(exc)
    lines = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).splitlines()

    async def api_cannot_be_loaded(request: Any) -> JSON:
        from django.conf import settings

        if not settings.DEBUG:
            return JSON({"detail": "Internal Server Error"}, status_code=500)
        return JSON({"detail": f"The API cannot be loaded: {summary}", "traceback": lines}, status_code=500)

    api = BoltAPI()
    for path in ("/", "/{*rest}"):
        api.route(path, methods=list(METHODS))(api_cannot_be_loaded)
    return api
