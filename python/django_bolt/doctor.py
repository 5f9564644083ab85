"""``django-bolt doctor``'s project checks: can ``runbolt`` start here, and what will it use?

Each check yields ``Finding``s; an ``error`` is something runbolt refuses or a request would fail
on (the doctor exits 1), a ``warning`` is worth a look, ``ok`` says what was verified.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "warning" or "error"
    check: str
    message: str


Check = Callable[[], Iterator[Finding]]


def run_checks(settings_module: str | None) -> list[Finding]:
    """Runs every check; later checks are skipped when the settings cannot be loaded."""
    if settings_module:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    findings = list(_settings())
    if any(f.level == "error" for f in findings):
        return findings
    for check in (_installed_app, _api, _migrations, _security, _event_loop, _databases, _redis, _environment):
        try:
            findings.extend(check())
        except Exception as exc:  # a check that breaks is itself a finding, never a crash
            findings.append(Finding("error", check.__name__.strip("_"), f"{type(exc).__name__}: {exc}"))
    return findings


def _settings() -> Iterator[Finding]:
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if not module:
        yield Finding("error", "settings", "no settings: pass --settings or set DJANGO_SETTINGS_MODULE")
        return
    try:
        import django

        django.setup()
    except Exception as exc:
        yield Finding("error", "settings", f"{module!r} cannot be loaded: {type(exc).__name__}: {exc}")
        return
    yield Finding("ok", "settings", f"{module} loaded")


def _installed_app() -> Iterator[Finding]:
    from django.conf import settings

    if "django_bolt" in settings.INSTALLED_APPS:
        yield Finding("ok", "installed apps", "django_bolt is in INSTALLED_APPS")
    else:
        yield Finding("error", "installed apps", "django_bolt is not in INSTALLED_APPS (runbolt is not available)")


def _api() -> Iterator[Finding]:
    from .discovery import discover_api
    from .route_errors import describe_route_error

    try:
        api = discover_api()
    except Exception as exc:
        yield Finding("error", "api", describe_route_error(exc))
        return
    from ._loop_blockers import async_code, describe, loop_blockers

    for route in api.routes:
        try:
            _record, compiled, _route = api._compile_parts(route)
        except Exception as exc:
            yield Finding("error", "api", describe_route_error(exc, route))
            return
        for kind, fn in async_code(route.handler, getattr(compiled, "dependencies", {})):
            if blockers := loop_blockers(fn):
                yield Finding(
                    "warning", "event loop blocking", describe(f"{route.method} {route.path}", kind, fn, blockers)
                )
    if not api.routes:
        yield Finding("warning", "api", "the API has no routes")
    else:
        yield Finding("ok", "api", f"{len(api.routes)} routes found")


def _migrations() -> Iterator[Finding]:
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    if DEFAULT_DB_ALIAS not in connections:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        apps = sorted({migration.app_label for migration, _ in plan})
        yield Finding(
            "warning",
            "migrations",
            f"{len(plan)} unapplied migration(s) for {', '.join(apps)}: run `python manage.py migrate`",
        )
    else:
        yield Finding("ok", "migrations", "all applied")


def _security() -> Iterator[Finding]:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.DEBUG:
        yield Finding("warning", "DEBUG", "DEBUG is on: error pages show code and settings; never in production")
    elif not settings.ALLOWED_HOSTS:
        yield Finding("error", "ALLOWED_HOSTS", "empty with DEBUG off: runbolt refuses to start")
    else:
        yield Finding("ok", "ALLOWED_HOSTS", ", ".join(settings.ALLOWED_HOSTS))
    if "*" in settings.ALLOWED_HOSTS and not settings.DEBUG:
        yield Finding("warning", "ALLOWED_HOSTS", "'*' accepts any Host header")
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if not key:
        yield Finding("error", "SECRET_KEY", "empty: sessions, signing and JWT defaults cannot work")
    elif not settings.DEBUG and (len(key) < 50 or key.startswith("django-insecure-") or len(set(key)) < 5):
        yield Finding("warning", "SECRET_KEY", "short or generated for development: use a long random key")
    else:
        yield Finding("ok", "SECRET_KEY", "set")


def _event_loop() -> Iterator[Finding]:
    from .conf import BoltConfig

    loop = BoltConfig.from_settings().event_loop
    try:
        import uvloop  # noqa: F401

        used = "uvloop is used" if loop == "uvloop" else "asyncio is used (only BOLT_EVENT_LOOP='uvloop' selects it)"
        yield Finding("ok", "event loop", f"uvloop available, {used} (BOLT_EVENT_LOOP={loop!r})")
    except ImportError:
        level = "error" if loop == "uvloop" else "ok"
        yield Finding(
            level,
            "event loop",
            f"uvloop not installed, asyncio is used (BOLT_EVENT_LOOP={loop!r}); "
            "`pip install 'django-bolt[uvloop]'` installs it",
        )


def _databases() -> Iterator[Finding]:
    from django.db import connections

    for alias in connections:
        try:
            connections[alias].ensure_connection()
        except Exception as exc:
            yield Finding("error", f"database {alias!r}", f"unreachable: {type(exc).__name__}: {exc}")
        else:
            yield Finding("ok", f"database {alias!r}", f"{connections[alias].vendor} reachable")
        finally:
            connections[alias].close()


def _redis_urls() -> dict[str, str]:
    from django.conf import settings

    urls = {}
    url = getattr(settings, "BOLT_RATE_LIMIT_REDIS_URL", None)
    if url:
        urls["BOLT_RATE_LIMIT_REDIS_URL"] = url
    for name, cache in getattr(settings, "CACHES", {}).items():
        location = cache.get("LOCATION")
        if "redis" in str(cache.get("BACKEND", "")).lower() and isinstance(location, str):
            urls[f"CACHES[{name!r}]"] = location
    return urls


def _redis() -> Iterator[Finding]:
    urls = _redis_urls()
    if not urls:
        return
    try:
        import redis
    except ImportError:
        yield Finding("error", "redis", f"{', '.join(urls)} configured but the redis package is not installed")
        return
    for setting, url in urls.items():
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
            client.ping()
            client.close()
        except Exception as exc:
            yield Finding("error", "redis", f"{setting} ({url}) unreachable: {type(exc).__name__}: {exc}")
        else:
            yield Finding("ok", "redis", f"{setting} reachable")


def _environment() -> Iterator[Finding]:
    """runbolt reads Django settings, not the environment: a BOLT_* variable there does nothing."""
    ignored = sorted(k for k in os.environ if k.startswith("BOLT_"))
    if ignored:
        yield Finding(
            "warning",
            "environment",
            f"{', '.join(ignored)} set in the environment, which runbolt does not read: "
            "set them in settings.py (or read os.environ there)",
        )


def runbolt_settings() -> dict[str, Any]:
    """The server options runbolt would use, under the settings names it reads them from."""
    from .conf import SETTING_NAMES, BoltConfig

    config = BoltConfig.from_settings()
    return {setting: getattr(config, field) for field, setting in SETTING_NAMES.items() if hasattr(config, field)}
