"""Per-route middleware decorators. They only record settings on the handler; the Rust app
compiles them once at startup (``BoltAPI.compile``) and applies them to every request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .._schema import CorsRecord, MiddlewareRecord, RateLimitRecord

F = TypeVar("F", bound=Callable[..., Any])

#: Attributes holding what the decorators recorded, in the release's form (code written for it
#: reads them): ``__bolt_middleware__`` lists ``{"type": "cors"|"rate_limit", ...}`` settings and
#: ``@middleware`` classes/functions in the order applied; ``__bolt_skip_middleware__`` is a set
#: of names.
ATTR = "__bolt_middleware__"
SKIP_ATTR = "__bolt_skip_middleware__"

DEFAULT_CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: django-cors-headers' default ``CORS_ALLOW_HEADERS``.
DEFAULT_CORS_HEADERS = ("accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with")
RUST_MIDDLEWARE = ("cors", "rate_limit", "compression")


def attached(fn: Callable[..., Any]) -> list[Any]:
    """The handler's ``__bolt_middleware__`` list, created on first use."""
    existing = getattr(fn, ATTR, None)
    if existing is None:
        existing = []
        setattr(fn, ATTR, existing)
    return existing


def _attach_setting(fn: Callable[..., Any], kind: str, config: dict[str, Any]) -> None:
    entries = attached(fn)
    # One setting of a kind per route: the outermost decorator's (applied last) wins.
    entries[:] = [e for e in entries if not (isinstance(e, dict) and e.get("type") == kind)]
    entries.append({"type": kind, **config})


def recorded_settings(fn: Callable[..., Any]) -> dict[str, Any] | None:
    """What the decorators recorded on ``fn`` so far, as ``{"cors": CorsRecord, "rate_limit":
    RateLimitRecord, "skip": [...], "python": [...]}`` (keys present when set). A route keeps the
    copy made when it is registered: a handler registered twice with a different
    ``@skip_middleware`` in between keeps each route's own settings."""
    entries = getattr(fn, ATTR, None)
    skip = getattr(fn, SKIP_ATTR, None)
    if entries is None and skip is None:
        return None
    recorded: dict[str, Any] = {}
    for entry in entries or ():
        if isinstance(entry, dict):
            kind = entry.get("type")
            if kind not in ("cors", "rate_limit"):
                raise TypeError(
                    f"{getattr(fn, '__qualname__', fn)!r}: __bolt_middleware__ entry {entry!r} is not a cors or "
                    "rate_limit setting; use @cors/@rate_limit"
                )
            recorded[kind] = {key: value for key, value in entry.items() if key != "type"}
        else:
            recorded.setdefault("python", []).append(entry)
    if skip:
        recorded["skip"] = sorted(skip)
    return recorded


def setting_from_dict(entry: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """``{"type": "rate_limit"|"cors", **arguments}`` (the release's dict form in
    ``Router(middleware=[...])``) as ``(kind, record)``, checked as ``@rate_limit``/``@cors``
    check their arguments."""
    kind = entry.get("type")
    decorators: dict[Any, Callable[..., Any]] = {"rate_limit": rate_limit, "cors": cors}
    if kind not in decorators:
        raise TypeError(f'{where}: {entry!r} is not a middleware class or a {{"type": "rate_limit"|"cors", ...}} dict')

    def probe() -> None: ...

    try:
        decorators[kind](**{key: value for key, value in entry.items() if key != "type"})(probe)
    except TypeError as exc:
        raise TypeError(f"{where}: {entry!r}: {exc}") from None
    return kind, (recorded_settings(probe) or {})[kind]


def route_middleware(recorded: dict[str, Any] | None) -> MiddlewareRecord | None:
    """The ``recorded_settings`` of a route, as the compiler hands them to Rust."""
    if recorded is None:
        return None
    return {"cors": recorded.get("cors"), "rate_limit": recorded.get("rate_limit"), "skip": recorded.get("skip", [])}


def _strings(value: str | Sequence[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise TypeError(f"{what} must be strings")
    return items


def cors(
    origins: str | Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    credentials: bool = False,
    max_age: int = 3600,
    expose_headers: Sequence[str] | None = None,
    origin_regexes: Sequence[str] | None = None,
) -> Callable[[F], F]:
    """CORS for one route, replacing the global ``CORS_*`` settings for it.

    ``origins`` lists exact origins (``"https://app.example.com"``) or ``"*"`` for any origin.
    Preflight requests are answered in Rust and CORS headers are added to every response of the
    route, errors included. ``"*"`` with ``credentials=True`` is refused: browsers reject it.
    """
    origin_list = _strings(origins, "origins")
    regexes = _strings(origin_regexes, "origin_regexes")
    if not origin_list and not regexes:
        raise ValueError(
            "@cors() requires 'origins' argument (or origin_regexes); use the CORS_* settings for global CORS"
        )
    if credentials and "*" in origin_list:
        raise ValueError('@cors: origins=["*"] cannot be combined with credentials=True; list the origins')
    if max_age is not None and max_age < 0:
        raise ValueError("@cors: max_age must be >= 0")
    config: CorsRecord = {
        "origins": origin_list,
        "origin_regexes": regexes,
        "allow_all": "*" in origin_list,
        "credentials": bool(credentials),
        "methods": [m.upper() for m in _strings(methods, "methods")] or list(DEFAULT_CORS_METHODS),
        "headers": _strings(headers, "headers") or list(DEFAULT_CORS_HEADERS),
        "expose_headers": _strings(expose_headers, "expose_headers"),
        "max_age": max_age,
    }

    def decorate(fn: F) -> F:
        _attach_setting(fn, "cors", dict(config))
        return fn

    return decorate


def rate_limit(rps: float = 100, burst: int | None = None, key: str = "ip") -> Callable[[F], F]:
    """Token-bucket rate limit for one route, enforced in Rust before the handler runs.

    ``rps`` tokens per second refill a bucket of ``burst`` (default ``2 * rps``); each request
    takes one, and an empty bucket answers ``429`` with ``Retry-After``. ``key`` chooses whose
    budget: ``"ip"`` (client address; ``X-Forwarded-For`` only from ``BOLT_TRUSTED_PROXIES``),
    ``"user"``, ``"api_key"``, or a request header name. With ``BOLT_RATE_LIMIT_REDIS_URL`` all
    processes and machines share one budget.
    """
    if isinstance(rps, bool) or not isinstance(rps, (int, float)) or rps <= 0:
        raise ValueError("rate_limit: rps must be a positive number")
    if burst is not None and (isinstance(burst, bool) or not isinstance(burst, (int, float)) or burst < 1):
        raise ValueError("rate_limit: burst must be at least 1")
    if not isinstance(key, str) or not key.strip():
        raise ValueError('rate_limit: key must be "ip", "user", "api_key" or a header name')
    config: RateLimitRecord = {
        "rps": float(rps),
        # Written out (the release's form of the setting); Rust reads None the same way.
        "burst": float(rps) * 2 if burst is None else float(burst),
        "key": key.strip().lower(),
    }

    def decorate(fn: F) -> F:
        _attach_setting(fn, "rate_limit", dict(config))
        return fn

    return decorate


def skip_middleware(*names: str) -> Callable[[F], F]:
    """Turns middleware off for one route: ``"cors"``, ``"rate_limit"``, ``"compression"`` (Rust),
    a Python middleware by its class or function name or dotted path, a Django middleware by class
    name or dotted path (``"CsrfViewMiddleware"``); ``"*"`` skips every Rust and Python middleware
    but not Django's. A name that matches no middleware of the route is refused when the route is
    compiled."""
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"skip_middleware: middleware names are non-empty strings, not {name!r}")

    def decorate(fn: F) -> F:
        skip = getattr(fn, SKIP_ATTR, None)
        if skip is None:
            skip = set()
            setattr(fn, SKIP_ATTR, skip)
        skip.update(names)
        return fn

    return decorate


def no_compress(fn: F) -> F:
    """Never compress this route's responses (same as ``@skip_middleware("compression")``)."""
    return skip_middleware("compression")(fn)


__all__ = ["cors", "rate_limit", "skip_middleware", "no_compress"]
