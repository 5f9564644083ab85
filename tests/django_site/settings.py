"""``tests.settings`` plus what the admin needs (its apps, middleware and templates) and media."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import BOLT_TEST_FILES_ROOT, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin", "django.contrib.messages"]
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
ROOT_URLCONF = "tests.django_site.urls"
BOLT_API = "tests.django_site.api.api"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.path.join(BOLT_TEST_FILES_ROOT, "media")
# The lifespan hooks of tests.django_site.api record what they did here.
BOLT_TEST_LIFESPAN_LOG = os.environ.get("BOLT_TEST_LIFESPAN_LOG", "")
