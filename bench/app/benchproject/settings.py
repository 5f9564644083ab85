"""Settings for the django-bolt benchmark project.

Kept deliberately small so that the measured cost is the framework's, not
Django middleware or logging.  The SQLite file lives in a temporary
directory; ``bench/run.py`` points ``BENCH_DB_PATH`` at a fresh one per run.
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django_bolt",
    "benchapp",
]

# Only the "session" endpoint (benchapp/api.py, django_middleware=True) runs these.
MIDDLEWARE: list[str] = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "benchproject.urls"

_default_db = Path(tempfile.gettempdir()) / "django-bolt-bench" / "db.sqlite3"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("BENCH_DB_PATH", str(_default_db)),
    }
}
# bench/run.py --db postgres (bench/pg.py): the cluster it started, one database per server.
if os.environ.get("BENCH_DB") == "postgres":
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ["BENCH_PG_HOST"],
        "PORT": os.environ["BENCH_PG_PORT"],
        "NAME": os.environ["BENCH_PG_NAME"],
        "USER": "bolt",
    }
# Persistent connections, as production deployments configure them. We honour Django's default
# (0: a new connection per request, ~1.4M instructions more on GET /orm), while the release's
# figure under that default matches ours with persistent connections (bench/RESULTS.md, issue
# 18), so the side-by-side ORM figures compare like with like this way. BENCH_CONN_MAX_AGE=0 (or
# N) measures Django's default.
_age = os.environ.get("BENCH_CONN_MAX_AGE", "none")
DATABASES["default"]["CONN_MAX_AGE"] = None if _age == "none" else int(_age)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# Per-request access logging would otherwise dominate a hello-world
# benchmark; keep only warnings and errors so both servers are treated alike.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django_bolt": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# bench/idle_connections.py --websocket: server pings often enough to be seen during the hold.
if os.environ.get("BENCH_WS_PING_INTERVAL"):
    BOLT_WS_PING_INTERVAL = float(os.environ["BENCH_WS_PING_INTERVAL"])
    BOLT_WS_PING_TIMEOUT = BOLT_WS_PING_INTERVAL
    # The release's names for the same (read by it; ours reads them only without the ones above).
    BOLT_WS_HEARTBEAT_INTERVAL = BOLT_WS_PING_INTERVAL
    BOLT_WS_CLIENT_TIMEOUT = 2 * BOLT_WS_PING_INTERVAL

# The event loop of ours (BOLT_EVENT_LOOP): BENCH_EVENT_LOOP=asyncio|uvloop compares the two in one
# venv (docs/notes/rloop.md); read once at startup, never per request.
BOLT_EVENT_LOOP = os.environ.get("BENCH_EVENT_LOOP", "auto")
