"""All django-bolt settings, read once from Django settings into one typed object."""

from __future__ import annotations

import dataclasses
from typing import Any

_UNSET: Any = object()


@dataclasses.dataclass(frozen=True)
class BoltConfig:
    debug: bool = False
    #: BOLT_MAX_UPLOAD_SIZE: largest request body accepted (413 above it).
    max_body_bytes: int = 10 * 1024 * 1024
    #: BOLT_MAX_HEADER_SIZE: bytes of request line + headers (431 above it).
    max_header_bytes: int = 16 * 1024
    #: BOLT_MAX_HEADERS: number of request headers (431 above it).
    max_headers: int = 100
    max_multipart_parts: int = 1000
    #: Seconds to receive a complete request head (408 after it).
    header_timeout: float = 10.0
    #: Seconds to receive a complete request body (408 after it).
    body_timeout: float = 30.0
    #: Seconds an idle keep-alive connection is kept open.
    keep_alive_timeout: float = 5.0
    #: BOLT_THREADPOOL_SIZE: threads that run sync handlers.
    blocking_threads: int = 16
    #: Rust worker threads per process.
    workers: int = 1
    backlog: int = 1024
    shutdown_grace: float = 30.0
    #: BOLT_EVENT_LOOP: "auto" (uvloop when installed), "asyncio" or "uvloop".
    event_loop: str = "auto"
    api: str | None = None

    @classmethod
    def from_settings(cls, **overrides: Any) -> BoltConfig:
        from django.conf import settings

        def read(name: str, default: Any) -> Any:
            return getattr(settings, name, default) if settings.configured else default

        defaults = cls()
        values = {
            "debug": bool(read("DEBUG", False)),
            "max_body_bytes": int(read("BOLT_MAX_UPLOAD_SIZE", defaults.max_body_bytes)),
            "max_header_bytes": int(read("BOLT_MAX_HEADER_SIZE", defaults.max_header_bytes)),
            "max_headers": int(read("BOLT_MAX_HEADERS", defaults.max_headers)),
            "max_multipart_parts": int(read("BOLT_MAX_MULTIPART_PARTS", defaults.max_multipart_parts)),
            "header_timeout": float(read("BOLT_HEADER_TIMEOUT", defaults.header_timeout)),
            "body_timeout": float(read("BOLT_BODY_TIMEOUT", defaults.body_timeout)),
            "keep_alive_timeout": float(read("BOLT_KEEP_ALIVE_TIMEOUT", defaults.keep_alive_timeout)),
            "blocking_threads": int(read("BOLT_THREADPOOL_SIZE", defaults.blocking_threads)),
            "workers": int(read("BOLT_WORKERS", defaults.workers)),
            "backlog": int(read("BOLT_BACKLOG", defaults.backlog)),
            "shutdown_grace": float(read("BOLT_SHUTDOWN_GRACE", defaults.shutdown_grace)),
            "event_loop": str(read("BOLT_EVENT_LOOP", defaults.event_loop)),
            "api": read("BOLT_API", None),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        if config.event_loop not in ("auto", "asyncio", "uvloop"):
            raise ValueError("BOLT_EVENT_LOOP must be 'auto', 'asyncio' or 'uvloop'")
        return config

    def server_dict(self) -> dict[str, Any]:
        """The part of the config the Rust server reads."""
        keys = (
            "debug",
            "max_body_bytes",
            "max_header_bytes",
            "max_headers",
            "max_multipart_parts",
            "header_timeout",
            "body_timeout",
            "keep_alive_timeout",
            "blocking_threads",
            "workers",
            "backlog",
            "shutdown_grace",
        )
        return {k: getattr(self, k) for k in keys}
