"""``render``: a Django template as an HTML response."""

from __future__ import annotations

from typing import Any

from django.template import loader

from .responses import Response


def render(
    request: Any,
    template_name: str | list[str],
    context: dict[str, Any] | None = None,
    content_type: str = "text/html",
    status: int = 200,
    using: str | None = None,
) -> Response:
    """Renders ``template_name`` with ``context`` (and the request, for context processors such as
    ``csrf`` and ``auth``) through Django's template engines."""
    content = loader.render_to_string(template_name, context, request, using=using)
    return Response(content, status, media_type=content_type)


__all__ = ["render"]
