"""All django-bolt settings, read once from Django settings into one typed object.

Precedence: ``runbolt`` flags, then ``BOLT_*`` settings, then the defaults below.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._release_env import refuse_release_variables
from ._schema import CorsRecord, ServerConfigRecord
from ._setting_types import (
    SettingError,
    is_missing,
    read_setting,
    to_bool,
    to_debug,
    to_int,
    to_seconds,
    to_str_tuple,
)
from .static_policy import content_security_policy, refuse_release_only_settings

#: Setting name for each field that has one.
SETTING_NAMES: dict[str, str] = {
    "host": "BOLT_HOST",
    "port": "BOLT_PORT",
    "processes": "BOLT_PROCESSES",
    "workers": "BOLT_WORKERS",
    "backlog": "BOLT_BACKLOG",
    "keep_alive_timeout": "BOLT_KEEP_ALIVE_TIMEOUT",
    "dev": "BOLT_DEV",
    "reload_dirs": "BOLT_RELOAD_DIRS",
    "max_rss_mb": "BOLT_MAX_RSS",
    "workers_lifetime": "BOLT_WORKERS_LIFETIME",
    "workers_kill_timeout": "BOLT_WORKERS_KILL_TIMEOUT",
    "respawn_failed_workers": "BOLT_RESPAWN_FAILED_WORKERS",
    "no_admin": "BOLT_NO_ADMIN",
    "max_body_bytes": "BOLT_MAX_UPLOAD_SIZE",
    "max_header_bytes": "BOLT_MAX_HEADER_SIZE",
    "max_headers": "BOLT_MAX_HEADERS",
    "max_multipart_parts": "BOLT_MAX_MULTIPART_PARTS",
    "header_timeout": "BOLT_HEADER_TIMEOUT",
    "body_timeout": "BOLT_BODY_TIMEOUT",
    "blocking_threads": "BOLT_THREADPOOL_SIZE",
    "shutdown_grace": "BOLT_SHUTDOWN_GRACE",
    "max_connections": "BOLT_MAX_CONNECTIONS",
    "trusted_proxies": "BOLT_TRUSTED_PROXIES",
    "access_log": "BOLT_ACCESS_LOG",
    "event_loop": "BOLT_EVENT_LOOP",
    "ws_max_message_bytes": "BOLT_WS_MAX_MESSAGE_SIZE",
    "ws_allowed_origins": "BOLT_WS_ALLOWED_ORIGINS",
    "ws_accept_timeout": "BOLT_WS_ACCEPT_TIMEOUT",
    "ws_ping_interval": "BOLT_WS_PING_INTERVAL",
    "ws_ping_timeout": "BOLT_WS_PING_TIMEOUT",
    "ws_idle_timeout": "BOLT_WS_IDLE_TIMEOUT",
    "ws_compression": "BOLT_WS_COMPRESSION",
    "ws_max_connections": "BOLT_WS_MAX_CONNECTIONS",
    "api": "BOLT_API",
    "rate_limit_redis_url": "BOLT_RATE_LIMIT_REDIS_URL",
    # django-cors-headers' names: the global CORS policy.
    "cors_allowed_origins": "CORS_ALLOWED_ORIGINS",
    "cors_allowed_origin_regexes": "CORS_ALLOWED_ORIGIN_REGEXES",
    "cors_allow_all_origins": "CORS_ALLOW_ALL_ORIGINS",
    "cors_allow_credentials": "CORS_ALLOW_CREDENTIALS",
    "cors_allow_headers": "CORS_ALLOW_HEADERS",
    "cors_allow_methods": "CORS_ALLOW_METHODS",
    "cors_expose_headers": "CORS_EXPOSE_HEADERS",
    "cors_preflight_max_age": "CORS_PREFLIGHT_MAX_AGE",
    "allowed_file_paths": "BOLT_ALLOWED_FILE_PATHS",
    "memory_spool_threshold": "BOLT_MEMORY_SPOOL_THRESHOLD",
    "static_url": "STATIC_URL",
    "static_root": "STATIC_ROOT",
    "staticfiles_dirs": "STATICFILES_DIRS",
    "emit_signals": "BOLT_EMIT_SIGNALS",
    "media_url": "MEDIA_URL",
    "media_root": "MEDIA_ROOT",
    "compression": "BOLT_COMPRESSION",
    "static_max_age": "BOLT_STATIC_MAX_AGE",
    "media_max_age": "BOLT_MEDIA_MAX_AGE",
    "authentication_classes": "BOLT_AUTHENTICATION_CLASSES",
    "default_permission_classes": "BOLT_DEFAULT_PERMISSION_CLASSES",
}

#: Older django-cors-headers names, read when the current name is not set.
SETTING_ALIASES: dict[str, str] = {
    "cors_allowed_origins": "CORS_ORIGIN_WHITELIST",
    "cors_allowed_origin_regexes": "CORS_ORIGIN_REGEX_WHITELIST",
    "cors_allow_all_origins": "CORS_ORIGIN_ALLOW_ALL",
    # The 0.13 release's names for the WebSocket keepalive.
    "ws_ping_interval": "BOLT_WS_HEARTBEAT_INTERVAL",
    "ws_ping_timeout": "BOLT_WS_CLIENT_TIMEOUT",
}

#: Largest accepted value of int settings that have one (the others: 0 or more).
_INT_MAXIMUM: dict[str, int] = {"port": 65535, "cors_preflight_max_age": 4294967295}

_CORS_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
_CORS_HEADERS = ("accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with")


@dataclasses.dataclass(frozen=True)
class BoltConfig:
    debug: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    #: Worker processes accepting from one listening socket the supervisor shares (Unix).
    processes: int = 1
    #: Rust worker threads per process.
    workers: int = 1
    backlog: int = 1024
    #: Seconds an idle keep-alive connection is kept open.
    keep_alive_timeout: float = 5.0
    #: Restart workers when a Python file changes.
    dev: bool = False
    reload_dirs: tuple[str, ...] = ()
    #: Recycle a worker whose resident memory exceeds this many MiB (0: never).
    max_rss_mb: int = 0
    #: Recycle a worker after this many seconds (0: never).
    workers_lifetime: float = 0.0
    #: Seconds a stopping worker may take before it is killed.
    workers_kill_timeout: float = 30.0
    respawn_failed_workers: bool = True
    #: runbolt does not serve the project's ``ROOT_URLCONF`` (the admin, Django views) for paths
    #: no route matches.
    no_admin: bool = False
    #: Largest request body accepted (413 above it).
    max_body_bytes: int = 10 * 1024 * 1024
    #: Bytes of request line + headers (431 above it).
    max_header_bytes: int = 16 * 1024
    #: Number of request headers (431 above it).
    max_headers: int = 100
    max_multipart_parts: int = 1000
    #: Seconds to receive a complete request head (408 after it).
    header_timeout: float = 10.0
    #: Seconds to receive a complete request body (408 after it).
    body_timeout: float = 30.0
    #: Threads that run sync handlers.
    blocking_threads: int = 16
    #: Seconds in-flight requests get to finish after SIGTERM.
    shutdown_grace: float = 30.0
    #: Connections held at once per process; more wait in the listen backlog.
    max_connections: int = 25_000
    #: Addresses/networks whose X-Forwarded-For/-Proto headers are believed.
    trusted_proxies: tuple[str, ...] = ()
    #: One JSON line per request on stderr.
    access_log: bool = False
    #: Largest WebSocket message accepted; a bigger one closes the connection with 1009.
    ws_max_message_bytes: int = 1024 * 1024
    #: Origins (``scheme://host[:port]``) whose pages may open WebSockets besides the server's
    #: own and those the route's CORS policy allows; ``"*"`` allows any.
    ws_allowed_origins: tuple[str, ...] = ()
    #: Seconds a WebSocket handler has to call ``accept()``; after that the upgrade is answered
    #: 503 (no 101), so a handler stuck before accepting cannot hold the connection.
    ws_accept_timeout: float = 10.0
    #: Seconds between server pings on an open WebSocket (0: no pings). Pings find peers that
    #: vanished without closing (a NAT or load balancer dropped them), which TCP alone notices
    #: only after many minutes, and keep middleboxes from dropping quiet connections (most
    #: drop idle flows after 60 s or more).
    ws_ping_interval: float = 20.0
    #: Seconds the peer has to answer a ping (a pong or any other bytes) before the connection is
    #: closed: the peer gets 1011 if it can still hear it, the handler sees 1006.
    ws_ping_timeout: float = 20.0
    #: Seconds without a message either way after which a WebSocket is closed with 1001 (0: never).
    #: Off by default: a live peer that waits quietly (a feed, a notification channel) is normal,
    #: and pings already end connections whose peer is gone.
    ws_idle_timeout: float = 0.0
    #: Accept ``permessage-deflate`` (RFC 7692) when the client offers it; ``@no_compress`` turns it
    #: off for one route. No context is kept between messages (both sides reset), so an idle
    #: connection holds no compression memory; inflated messages count against the size limit.
    ws_compression: bool = True
    #: Open WebSockets one server process holds at most (handshakes in progress included); an
    #: upgrade beyond that is answered 503 before its handler runs. 0: no limit.
    ws_max_connections: int = 0
    #: "auto" (= "asyncio": our lock-guarded BoltEventLoop, the cheaper one), "asyncio" or "uvloop".
    event_loop: str = "auto"
    api: str | None = None
    #: ``redis://[[user]:password@]host[:port][/db]``: rate-limit buckets shared by every process.
    rate_limit_redis_url: str | None = None
    cors_allowed_origins: tuple[str, ...] = ()
    cors_allowed_origin_regexes: tuple[str, ...] = ()
    cors_allow_all_origins: bool = False
    cors_allow_credentials: bool = False
    cors_allow_headers: tuple[str, ...] = _CORS_HEADERS
    cors_allow_methods: tuple[str, ...] = _CORS_METHODS
    cors_expose_headers: tuple[str, ...] = ()
    cors_preflight_max_age: int = 86400
    #: Directories file responses may serve from (None: any path the process can read).
    allowed_file_paths: tuple[str, ...] | None = None
    #: Uploaded files larger than this many bytes are kept in a temporary file, not in memory.
    memory_spool_threshold: int = 1024 * 1024
    #: ``STATIC_URL`` is served from ``STATIC_ROOT`` and ``STATICFILES_DIRS`` by Rust.
    static_url: str | None = None
    static_root: str | None = None
    staticfiles_dirs: tuple[str, ...] = ()
    #: DEBUG with django.contrib.staticfiles installed: its finders locate static files.
    static_finders: bool = False
    #: Django's ``request_started``/``request_finished`` are sent around every handler.
    emit_signals: bool = False
    #: ``MEDIA_URL`` is served from ``MEDIA_ROOT`` by Rust, like static files.
    media_url: str | None = None
    media_root: str | None = None
    #: ``BOLT_COMPRESSION``: a ``CompressionConfig`` for every API the server runs, or False (no
    #: compression); None (not set): each ``BoltAPI``'s own ``compression=``.
    compression: Any = None
    #: Seconds browsers and shared caches may keep a static file: ``Cache-Control: public,
    #: max-age=N`` on its answers (None: no ``Cache-Control``).
    static_max_age: int | None = None
    #: The same for media files, ``private`` (uploads may be per user: shared caches must not keep
    #: them).
    media_max_age: int | None = None
    #: ``Content-Security-Policy`` (and ``-Report-Only``) of static and media answers, built from
    #: ``SECURE_CSP`` / ``SECURE_CSP_REPORT_ONLY`` as Django builds it (None: no header).
    static_csp: str | None = None
    static_csp_report_only: str | None = None
    #: ``ALLOWED_HOSTS`` as Django's ``get_host()`` applies it (with its DEBUG defaults), checked by
    #: Rust before routing. None: taken from Django settings when the server config is built.
    allowed_hosts: tuple[str, ...] | None = None
    #: Backends for routes and APIs without ``auth=`` (instances, classes or dotted paths).
    authentication_classes: tuple[Any, ...] = ()
    #: Guards for routes and APIs without ``guards=``; empty means ``AllowAny``.
    default_permission_classes: tuple[Any, ...] = ()

    @classmethod
    def from_settings(cls, **overrides: Any) -> BoltConfig:
        """Reads Django settings; ``overrides`` (runbolt flags) win where they are not None."""
        from django.conf import settings

        debug = to_debug(getattr(settings, "DEBUG", False)) if settings.configured else False
        values: dict[str, Any] = {"debug": debug}
        for field, setting in SETTING_NAMES.items():
            if not settings.configured:
                break
            value = read_setting(settings, setting)
            if is_missing(value) and field in SETTING_ALIASES:
                value = read_setting(settings, SETTING_ALIASES[field])
            if not is_missing(value):
                values[field] = value
        refuse_release_variables()
        if settings.configured:
            _check_release_names(settings)
            refuse_release_only_settings(settings)
            values["static_csp"] = content_security_policy(settings, "SECURE_CSP")
            values["static_csp_report_only"] = content_security_policy(settings, "SECURE_CSP_REPORT_ONLY")
        if settings.configured and values["debug"]:
            values["static_finders"] = "django.contrib.staticfiles" in getattr(settings, "INSTALLED_APPS", ())
        values.update({k: v for k, v in overrides.items() if v is not None})
        if settings.configured:
            values["allowed_hosts"] = django_allowed_hosts()
        return cls.build(**values)

    @classmethod
    def build(cls, **values: Any) -> BoltConfig:
        """Validates and converts raw values into a config."""
        converted: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name not in values:
                continue
            raw = values[field.name]
            default = field.default
            name = SETTING_NAMES.get(field.name, field.name)
            try:
                if field.name in ("authentication_classes", "default_permission_classes"):
                    # Objects (backend/guard instances, classes or dotted paths), not strings.
                    converted[field.name] = tuple(raw) if isinstance(raw, (list, tuple)) else (raw,) if raw else ()
                elif field.name == "trusted_proxies":
                    converted[field.name] = _trusted_proxies(raw)
                elif field.name == "staticfiles_dirs":
                    # ("prefix", path) entries are found by Django's finders in DEBUG only.
                    converted[field.name] = tuple(str(x) for x in raw or () if not isinstance(x, (tuple, list)))
                elif isinstance(default, tuple):
                    converted[field.name] = to_str_tuple(name, raw)
                elif field.name in ("api", "rate_limit_redis_url"):
                    converted[field.name] = raw or None
                elif field.name == "allowed_hosts":
                    converted[field.name] = None if raw is None else _host_list(raw)
                elif field.name == "allowed_file_paths":
                    converted[field.name] = None if raw is None else _paths(raw)
                elif field.name in ("static_url", "static_root", "media_url", "media_root"):
                    converted[field.name] = str(raw) if raw else None
                elif field.name in ("static_max_age", "media_max_age"):
                    converted[field.name] = None if raw is None else to_int(name, raw)
                elif field.name == "compression":
                    converted[field.name] = _compression(raw)
                elif field.name in ("static_csp", "static_csp_report_only"):
                    converted[field.name] = raw
                elif field.name == "debug":
                    converted[field.name] = to_debug(raw)
                elif isinstance(default, bool):
                    converted[field.name] = to_bool(name, raw)
                elif isinstance(default, int):
                    converted[field.name] = to_int(name, raw, maximum=_INT_MAXIMUM.get(field.name))
                elif isinstance(default, float):
                    converted[field.name] = to_seconds(name, raw)
                else:
                    converted[field.name] = type(default)(raw)
            except SettingError:
                raise
            except (TypeError, ValueError) as exc:
                raise SettingError(f"{name}: invalid value {raw!r} ({exc})") from None
        config = cls(**converted)
        config.validate()
        return config

    def validate(self) -> None:
        if self.event_loop not in ("auto", "asyncio", "uvloop"):
            raise SettingError("BOLT_EVENT_LOOP must be 'auto', 'asyncio' or 'uvloop'")
        for name in (
            "processes",
            "workers",
            "backlog",
            "max_headers",
            "max_connections",
            "blocking_threads",
            "ws_max_message_bytes",
        ):
            if getattr(self, name) < 1:
                raise SettingError(f"{SETTING_NAMES.get(name, name)} must be at least 1")
        for name in ("keep_alive_timeout", "header_timeout", "body_timeout", "shutdown_grace", "workers_kill_timeout"):
            if getattr(self, name) <= 0:
                raise SettingError(f"{SETTING_NAMES.get(name, name)} must be a positive number of seconds")
        if self.ws_accept_timeout <= 0 or self.ws_ping_timeout <= 0:
            name = "ws_accept_timeout" if self.ws_accept_timeout <= 0 else "ws_ping_timeout"
            raise SettingError(f"{SETTING_NAMES[name]} must be a positive number of seconds")
        for name in ("ws_ping_interval", "ws_idle_timeout"):
            if getattr(self, name) < 0:
                raise SettingError(f"{SETTING_NAMES[name]} must be 0 (never) or a positive number of seconds")
        if not 0 <= self.port <= 65535:
            raise SettingError("BOLT_PORT must be between 0 and 65535")
        for origin in self.cors_allowed_origins:
            if origin != "null" and "://" not in origin:
                raise SettingError(f"CORS_ALLOWED_ORIGINS: {origin!r} is not an origin like 'https://example.com'")
        if self.rate_limit_redis_url and not self.rate_limit_redis_url.startswith("redis://"):
            raise SettingError("BOLT_RATE_LIMIT_REDIS_URL must be a redis:// URL")

    def replace(self, **changes: Any) -> BoltConfig:
        return dataclasses.replace(self, **changes)

    def server_dict(self) -> ServerConfigRecord:
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
            "max_connections",
            "access_log",
            "ws_max_message_bytes",
            "ws_accept_timeout",
            "ws_ping_interval",
            "ws_ping_timeout",
            "ws_idle_timeout",
            "ws_compression",
            "ws_max_connections",
        )
        out: ServerConfigRecord = {k: getattr(self, k) for k in keys}  # type: ignore[assignment]
        out["trusted_proxies"] = list(self.trusted_proxies)
        out["memory_spool_threshold"] = self.memory_spool_threshold
        out["allowed_file_paths"] = None if self.allowed_file_paths is None else list(self.allowed_file_paths)
        out["static_url"] = self.static_prefix()
        out["static_dirs"] = [d for d in (self.static_root, *self.staticfiles_dirs) if d]
        out["static_finders"] = self.static_finders
        out["media_url"] = self.media_prefix() if self.media_root else None
        out["media_root"] = self.media_root
        out["static_cache_control"] = None if self.static_max_age is None else f"public, max-age={self.static_max_age}"
        out["media_cache_control"] = None if self.media_max_age is None else f"private, max-age={self.media_max_age}"
        out["static_csp"] = self.static_csp
        out["static_csp_report_only"] = self.static_csp_report_only
        out["rate_limit_redis_url"] = self.rate_limit_redis_url
        out["cors"] = self.cors_policy()
        out["ws_allowed_origins"] = list(self.ws_allowed_origins)
        out["allowed_hosts"] = list(django_allowed_hosts() if self.allowed_hosts is None else self.allowed_hosts)
        return out

    def cors_policy(self) -> CorsRecord | None:
        """The global CORS policy from the ``CORS_*`` settings, or None when no origin is allowed."""
        if not (self.cors_allowed_origins or self.cors_allowed_origin_regexes or self.cors_allow_all_origins):
            return None
        return {
            "origins": list(self.cors_allowed_origins),
            "origin_regexes": list(self.cors_allowed_origin_regexes),
            "allow_all": self.cors_allow_all_origins,
            "credentials": self.cors_allow_credentials,
            "methods": [m.upper() for m in self.cors_allow_methods],
            "headers": list(self.cors_allow_headers),
            "expose_headers": list(self.cors_expose_headers),
            "max_age": self.cors_preflight_max_age or None,
        }

    def static_prefix(self) -> str | None:
        """``STATIC_URL`` as a path prefix (``/static/``); None when unset or on another host."""
        return _url_prefix(self.static_url)

    def media_prefix(self) -> str | None:
        """``MEDIA_URL`` as a path prefix (``/media/``); None when unset or on another host."""
        return _url_prefix(self.media_url)


#: The release's names of settings we read under other names, with the release's own rules (code
#: written for it never had other values): (minimum, maximum or None).
_RELEASE_INT_RULES: dict[str, tuple[int, int | None]] = {
    "BOLT_WS_HEARTBEAT_INTERVAL": (1, None),
    "BOLT_WS_CLIENT_TIMEOUT": (0, None),
}


def _check_release_names(settings: Any) -> None:
    for name, (minimum, maximum) in _RELEASE_INT_RULES.items():
        value = read_setting(settings, name)
        if not is_missing(value):
            to_int(name, value, minimum, maximum)


def _compression(raw: Any) -> Any:
    """``BOLT_COMPRESSION``: a ``CompressionConfig``; None or False turn compression off."""
    from .middleware.compression import CompressionConfig

    if raw is None or raw is False:
        return False
    if isinstance(raw, CompressionConfig):
        return raw
    expected = "a CompressionConfig, None or False"
    raise SettingError(f"BOLT_COMPRESSION must be {expected}, got {type(raw).__name__} {raw!r}.")


def _trusted_proxies(raw: Any) -> tuple[str, ...]:
    """``BOLT_TRUSTED_PROXIES``: addresses and networks (``10.0.0.0/8``, ``::1``). A typo would
    quietly trust or distrust a proxy, so every entry must parse; zone ids (``fe80::1%eth0``)
    name no address a peer can have. A single string is one entry (as for other list settings)."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw] if raw else []
    if not isinstance(raw, (list, tuple)):
        raise SettingError(f"BOLT_TRUSTED_PROXIES must be a list of addresses or networks, not {raw!r}")
    import ipaddress

    for entry in raw:
        if not isinstance(entry, str):
            # ip_network(10) would be 0.0.0.10/32: a silently wrong proxy.
            raise SettingError(
                f"BOLT_TRUSTED_PROXIES entry {entry!r} is not an address or CIDR block: expected a string, "
                f"got {type(entry).__name__}"
            )
        try:
            if "%" in entry:
                raise ValueError
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise SettingError(f"BOLT_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
    return tuple(raw)


def _url_prefix(url: str | None) -> str | None:
    if not url or "://" in url or url.startswith("//"):
        return None
    return "/" + url.strip("/") + "/" if url.strip("/") else None


#: What Django's ``get_host()`` allows when ``ALLOWED_HOSTS`` is empty and ``DEBUG`` is True.
DEBUG_ALLOWED_HOSTS = (".localhost", "127.0.0.1", "[::1]")


def django_allowed_hosts() -> tuple[str, ...]:
    """``ALLOWED_HOSTS`` with Django's DEBUG defaults: the hosts a request may name.

    ``USE_X_FORWARDED_HOST`` is refused rather than ignored: Rust checks the ``Host`` header and
    ``build_absolute_uri()`` uses it, so a proxy must pass the client's ``Host`` through.
    """
    from django.conf import settings

    if not settings.configured:
        return ()
    if getattr(settings, "USE_X_FORWARDED_HOST", False):
        raise SettingError(
            "USE_X_FORWARDED_HOST is not supported by django-bolt: the Host header is what "
            "ALLOWED_HOSTS checks and build_absolute_uri() uses. Have the proxy pass the client's "
            "Host header (nginx: proxy_set_header Host $host) and set USE_X_FORWARDED_HOST = False."
        )
    hosts = _host_list(getattr(settings, "ALLOWED_HOSTS", ()) or ())
    if not hosts and getattr(settings, "DEBUG", False):
        return DEBUG_ALLOWED_HOSTS
    return hosts


def _host_list(raw: Any) -> tuple[str, ...]:
    # Django would iterate a string's characters (and "*" among them would allow any host).
    if isinstance(raw, str):
        raise SettingError(f"ALLOWED_HOSTS must be a list of host names, not the string {raw!r}")
    return tuple(str(h) for h in raw)


def _paths(raw: Any) -> tuple[str, ...]:
    import os

    return (os.fspath(raw),) if isinstance(raw, (str, os.PathLike)) else tuple(os.fspath(x) for x in raw)
