"""Django settings for the test suite (in-process tests and the real-server tests)."""

import os
import tempfile

from tests import temp_dirs

SECRET_KEY = "django-bolt-tests-not-secret"
DEBUG = os.environ.get("BOLT_TEST_DEBUG") == "1"
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_bolt",
    "tests.testapp",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # Real-server tests point the server subprocess at a migrated file of their own.
        "NAME": os.environ.get("BOLT_TEST_DB", os.path.join(tempfile.gettempdir(), "django-bolt-tests.sqlite3")),
    }
}
if os.environ.get("BOLT_DB") == "postgres":
    # ci/test.sh's PostgreSQL stage: the same tests on a real PostgreSQL 15 (tests/pg_server.py).
    # In the pytest process the cluster's directory is chosen here and tests/conftest.py starts it;
    # server subprocesses inherit the variables (and BOLT_PG_NAME: their own database).
    if "BOLT_PG_HOST" not in os.environ:
        os.environ["BOLT_PG_ROOT"] = str(temp_dirs.make("bolt-pg-"))
        os.environ["BOLT_PG_HOST"] = os.path.join(os.environ["BOLT_PG_ROOT"], "socket")
        os.environ["BOLT_PG_PORT"] = "5432"  # names the socket file only: the directory is private
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("BOLT_PG_NAME", "bolt"),
            "USER": "bolt",
            "HOST": os.environ["BOLT_PG_HOST"],
            "PORT": os.environ["BOLT_PG_PORT"],
        }
    }
# Connection lifecycle options for tests/db's servers.
if os.environ.get("BOLT_TEST_CONN_MAX_AGE"):
    _age = os.environ["BOLT_TEST_CONN_MAX_AGE"]
    DATABASES["default"]["CONN_MAX_AGE"] = None if _age == "none" else int(_age)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = os.environ.get("BOLT_TEST_CONN_HEALTH_CHECKS") == "1"
DATABASES["default"]["ATOMIC_REQUESTS"] = os.environ.get("BOLT_TEST_ATOMIC_REQUESTS") == "1"
if os.environ.get("BOLT_TEST_PG_POOL"):  # psycopg_pool's pool: "min,max"
    _low, _high = (int(n) for n in os.environ["BOLT_TEST_PG_POOL"].split(","))
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": _low, "max_size": _high, "timeout": 10}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
BOLT_API = os.environ.get("BOLT_TEST_API") or None
# Django's LocaleMiddleware reads it (tests/middleware/test_django_middleware.py).
ROOT_URLCONF = "tests.testapp.mw_urls"
# django-csp's middleware, a third-party middleware under django_middleware= (tests/middleware).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}
# django_bolt.shortcuts.render (tests/responses): the test app's templates/.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# File responses and static files (tests/streaming): one directory per test session, shared with
# the server subprocesses through the environment.
# The directory is made and filled by tests/streaming's ``files_root`` fixture (and others add
# files to it); the process that names it removes it when its session ends (tests/temp_dirs.py).
if "DJANGO_BOLT_TEST_FILES" not in os.environ:
    os.environ["DJANGO_BOLT_TEST_FILES"] = os.path.join(tempfile.gettempdir(), f"bolt-files-{os.getpid()}")
    temp_dirs.own(os.environ["DJANGO_BOLT_TEST_FILES"])
    temp_dirs.own(os.environ["DJANGO_BOLT_TEST_FILES"] + "-outside")
BOLT_TEST_FILES_ROOT = os.environ["DJANGO_BOLT_TEST_FILES"]
BOLT_ALLOWED_FILE_PATHS = [BOLT_TEST_FILES_ROOT]
if os.environ.get("BOLT_TEST_NO_FILE_ROOTS") == "1":  # a server whose FileResponse may name any path
    BOLT_ALLOWED_FILE_PATHS = None
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BOLT_TEST_FILES_ROOT, "static")
BOLT_MEMORY_SPOOL_THRESHOLD = 64 * 1024


# Real-server tests (tests/server) start `runbolt` subprocesses with small limits so that the
# 413/431/408 paths can be reached quickly. Each variable is optional; unset means the default.
def _bolt_env(name: str, setting: str, cast: type) -> None:
    raw = os.environ.get(name)
    if raw:
        globals()[setting] = cast(raw)


_bolt_env("BOLT_TEST_MAX_UPLOAD", "BOLT_MAX_UPLOAD_SIZE", int)
_bolt_env("BOLT_TEST_MAX_HEADER_SIZE", "BOLT_MAX_HEADER_SIZE", int)
_bolt_env("BOLT_TEST_MAX_HEADERS", "BOLT_MAX_HEADERS", int)
_bolt_env("BOLT_TEST_HEADER_TIMEOUT", "BOLT_HEADER_TIMEOUT", float)
_bolt_env("BOLT_TEST_BODY_TIMEOUT", "BOLT_BODY_TIMEOUT", float)
_bolt_env("BOLT_TEST_KEEP_ALIVE", "BOLT_KEEP_ALIVE_TIMEOUT", float)
_bolt_env("BOLT_TEST_SHUTDOWN_GRACE", "BOLT_SHUTDOWN_GRACE", float)
# ci/test.sh runs the handler tests once more with uvloop installed and selected.
BOLT_EVENT_LOOP = os.environ.get("BOLT_TEST_EVENT_LOOP", "auto")
_bolt_env("BOLT_TEST_MAX_CONNECTIONS", "BOLT_MAX_CONNECTIONS", int)
_bolt_env("BOLT_TEST_ACCESS_LOG", "BOLT_ACCESS_LOG", str)
_bolt_env("BOLT_TEST_TRUSTED_PROXIES", "BOLT_TRUSTED_PROXIES", lambda raw: raw.split(","))
_bolt_env("BOLT_TEST_PROCESSES", "BOLT_PROCESSES", int)
_bolt_env("BOLT_TEST_BLOCKING_THREADS", "BOLT_THREADPOOL_SIZE", int)
_bolt_env("BOLT_TEST_RESPAWN", "BOLT_RESPAWN_FAILED_WORKERS", lambda raw: raw == "1")
_bolt_env("BOLT_TEST_WS_MAX_MESSAGE", "BOLT_WS_MAX_MESSAGE_SIZE", int)
_bolt_env("BOLT_TEST_WS_ACCEPT_TIMEOUT", "BOLT_WS_ACCEPT_TIMEOUT", float)
_bolt_env("BOLT_TEST_WS_PING_INTERVAL", "BOLT_WS_PING_INTERVAL", float)
_bolt_env("BOLT_TEST_WS_PING_TIMEOUT", "BOLT_WS_PING_TIMEOUT", float)
_bolt_env("BOLT_TEST_WS_IDLE_TIMEOUT", "BOLT_WS_IDLE_TIMEOUT", float)
# tests/security: a host list of their own ("," alone: an empty list).
_bolt_env("BOLT_TEST_ALLOWED_HOSTS", "ALLOWED_HOSTS", lambda raw: [h for h in raw.split(",") if h])
_bolt_env("BOLT_TEST_USE_X_FORWARDED_HOST", "USE_X_FORWARDED_HOST", lambda raw: raw == "1")
_bolt_env("BOLT_TEST_WS_ORIGINS", "BOLT_WS_ALLOWED_ORIGINS", lambda raw: raw.split(","))
# tests/production: a system check error that must stop runbolt's startup.
BOLT_TEST_FAIL_CHECK = os.environ.get("BOLT_TEST_FAIL_CHECK") == "1"
BOLT_TEST_WARN_CHECK = os.environ.get("BOLT_TEST_WARN_CHECK") == "1"
# tests/middleware: global CORS origins and the shared rate-limit backend.
_bolt_env("BOLT_TEST_CORS_ORIGINS", "CORS_ALLOWED_ORIGINS", lambda raw: raw.split(","))
_bolt_env("BOLT_TEST_RATE_LIMIT_REDIS", "BOLT_RATE_LIMIT_REDIS_URL", str)
