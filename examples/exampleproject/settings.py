"""Settings for the django-bolt example project.

Deliberately minimal: an embedded SQLite database next to manage.py, no templates,
no admin, no sessions. Everything the API needs is django_bolt plus the notes app.
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
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_bolt",
    "notes",
]

MIDDLEWARE: list[str] = []

ROOT_URLCONF = "exampleproject.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # EXAMPLE_DB: another file (the tests run the example on a temporary database).
        "NAME": os.environ.get("EXAMPLE_DB", BASE_DIR / "db.sqlite3"),
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
