"""Settings for the django-bolt example project.

Deliberately small: an embedded SQLite database next to manage.py. The API needs only
django_bolt plus the notes app; the admin (served by runbolt next to the API, at /admin/)
brings its apps, middleware and templates.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Development-only key; set DJANGO_SECRET_KEY for anything else.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-insecure-key-change-me-0123456789abcdefghijklmnop")

# DEBUG is on unless DJANGO_DEBUG is set to 0/false/no.
DEBUG = os.environ.get("DJANGO_DEBUG", "1").lower() not in {"0", "false", "no", "off"}

ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_bolt",
    "notes",
]

# Django's handler runs these for Django views (the admin); bolt routes do not go through them.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Served by Rust: from the app directories in DEBUG, from STATIC_ROOT (collectstatic) otherwise.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

ROOT_URLCONF = "exampleproject.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # EXAMPLE_DB: another file (the tests run the example on a temporary database).
        "NAME": os.environ.get("EXAMPLE_DB", BASE_DIR / "db.sqlite3"),
    }
}

# PostgreSQL instead (psycopg 3: `pip install "psycopg[binary]"`): EXAMPLE_PG_NAME names the
# database; EXAMPLE_PG_HOST (a host or a socket directory), EXAMPLE_PG_PORT, EXAMPLE_PG_USER and
# EXAMPLE_PG_PASSWORD as for psql. Connections follow Django's settings under runbolt as under
# runserver: closed after each request (CONN_MAX_AGE 0), kept for N seconds or for ever (None),
# checked before reuse with CONN_HEALTH_CHECKS, or taken from psycopg's pool with
# OPTIONS={"pool": True} (Django >= 5.1, `pip install psycopg-pool`).
if os.environ.get("EXAMPLE_PG_NAME"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["EXAMPLE_PG_NAME"],
            "HOST": os.environ.get("EXAMPLE_PG_HOST", "localhost"),
            "PORT": os.environ.get("EXAMPLE_PG_PORT", "5432"),
            "USER": os.environ.get("EXAMPLE_PG_USER", ""),
            "PASSWORD": os.environ.get("EXAMPLE_PG_PASSWORD", ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
