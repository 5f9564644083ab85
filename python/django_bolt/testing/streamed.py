"""``client.get(url, stream=True)``: the response body is read as the handler produces it.

The response keeps httpx's API (``iter_bytes``, ``iter_lines``, ``read``...) and adds the
``requests``-style ``iter_content(chunk_size, decode_unicode)`` the release's client offers.
``content``/``text``/``json()`` read the rest of the body when first asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

#: httpx.Client.request's arguments that belong to ``send`` rather than ``build_request``.
_SEND_ARGUMENTS = ("auth", "follow_redirects")


class StreamedResponse(httpx.Response):
    """A response whose body is read chunk by chunk as it is iterated."""

    @property
    def content(self) -> bytes:
        if not hasattr(self, "_content"):
            self.read()
        return super().content

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False) -> Iterator[Any]:
        """Chunks of ``chunk_size`` (bytes; characters with ``decode_unicode=True``, decoded with
        the response's charset). ``chunk_size=None``: the chunks as they arrive."""
        if decode_unicode:
            return self.iter_text(chunk_size)
        return self.iter_bytes(chunk_size)


def send_streamed(client: httpx.Client, method: str, url: Any, **kwargs: Any) -> StreamedResponse:
    """``client.request(...)`` with the body left unread (closed when fully read or by ``close()``)."""
    send_options = {name: kwargs.pop(name) for name in _SEND_ARGUMENTS if name in kwargs}
    request = client.build_request(method, url, **kwargs)
    response = client.send(request, stream=True, **send_options)
    response.__class__ = StreamedResponse  # same fields; only methods are added
    return response  # type: ignore[return-value]


__all__ = ["StreamedResponse", "send_streamed"]
