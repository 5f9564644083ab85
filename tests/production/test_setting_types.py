"""Settings of the wrong type stop startup (``ImproperlyConfigured`` naming the setting). Numbers
are never read from strings; only django-bolt's own ``BOLT_*`` settings take one string for a
list and 0/1 or ``"true"``/``"false"`` for a bool."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django_bolt.conf import BoltConfig


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BOLT_MAX_UPLOAD_SIZE", True, "an int of 0 or more"),
        ("BOLT_MAX_UPLOAD_SIZE", -1, "an int of 0 or more"),
        ("BOLT_MAX_UPLOAD_SIZE", 1.5, "an int of 0 or more"),
        ("BOLT_MAX_UPLOAD_SIZE", "10MB", "an int of 0 or more"),
        ("CORS_PREFLIGHT_MAX_AGE", 2**32, "an int from 0 to 4294967295"),
        ("DEBUG", "False", "a bool or an int"),
        ("DEBUG", 1.0, "a bool or an int"),
        ("CORS_ALLOW_ALL_ORIGINS", "True", "a bool"),
        ("CORS_ALLOW_CREDENTIALS", 2, "a bool"),
        ("BOLT_ACCESS_LOG", "perhaps", "a bool"),
        ("CORS_ALLOWED_ORIGINS", ["https://a.example", 1], "a list of str"),
        ("BOLT_KEEP_ALIVE_TIMEOUT", float("nan"), "a number of seconds"),
        ("BOLT_KEEP_ALIVE_TIMEOUT", "soon", "a number of seconds"),
        # A number written as a string: a typo or an environment value nobody converted.
        ("BOLT_MAX_UPLOAD_SIZE", "2048", "an int of 0 or more"),
        ("BOLT_KEEP_ALIVE_TIMEOUT", "2.5", "a number of seconds"),
        ("CORS_PREFLIGHT_MAX_AGE", "3600", "an int from 0 to 4294967295"),
        # django-cors-headers reads a string as a list of characters and needs real bools.
        ("CORS_ALLOWED_ORIGINS", "https://a.example", "a list of str"),
        ("CORS_ALLOW_METHODS", "GET", "a list of str"),
        ("CORS_ALLOW_CREDENTIALS", 1, "a bool"),
        # The release's names of the WebSocket keepalive keep the release's rules.
        ("BOLT_WS_HEARTBEAT_INTERVAL", 0, "an int of 1 or more"),
        ("BOLT_WS_CLIENT_TIMEOUT", 2.5, "an int of 0 or more"),
        # Settings of the release that are checked, then refused (below) when valid.
        ("BOLT_WS_MAX_CONNECTIONS", "2", "an int of 0 or more"),
        ("BOLT_WS_CHANNEL_SIZE", 0, "an int of 1 or more"),
        ("BOLT_MAX_SYNC_STREAMING_THREADS", 0, "an int of 1 or more"),
        ("BOLT_ASGI_MOUNT_TIMEOUT", float("nan"), "a number more than 0"),
        ("BOLT_ASGI_MOUNT_TIMEOUT", True, "a number more than 0"),
        ("BOLT_STATIC_MAX_AGE", True, "an int of 0 or more"),
        ("BOLT_MEDIA_MAX_AGE", -1, "an int of 0 or more"),
        ("BOLT_MEDIA_MAX_AGE", "60", "an int of 0 or more"),
    ],
)
def test_a_value_that_cannot_be_read_unambiguously_is_refused(name, value, expected):
    with override_settings(**{name: value}), pytest.raises(ImproperlyConfigured) as excinfo:
        BoltConfig.from_settings()
    assert str(excinfo.value).startswith(f"{name} must be {expected}, got {type(value).__name__}")
    assert isinstance(excinfo.value, ValueError)  # what BoltConfig raised before


@pytest.mark.parametrize(
    ("name", "value", "field", "converted"),
    [
        ("BOLT_MAX_UPLOAD_SIZE", 1e7, "max_body_bytes", 10_000_000),
        ("BOLT_TRUSTED_PROXIES", "10.0.0.0/8", "trusted_proxies", ("10.0.0.0/8",)),
        ("BOLT_WS_ALLOWED_ORIGINS", "https://a.example", "ws_allowed_origins", ("https://a.example",)),
        ("BOLT_ACCESS_LOG", "false", "access_log", False),
        ("BOLT_ACCESS_LOG", 1, "access_log", True),
        ("BOLT_KEEP_ALIVE_TIMEOUT", 2.5, "keep_alive_timeout", 2.5),
        ("BOLT_WS_HEARTBEAT_INTERVAL", 7, "ws_ping_interval", 7.0),
        ("BOLT_STATIC_MAX_AGE", 3600, "static_max_age", 3600),
        ("BOLT_MEDIA_MAX_AGE", 0, "media_max_age", 0),
        ("DEBUG", 0, "debug", False),
    ],
)
def test_unambiguous_values_are_converted(name, value, field, converted):
    with override_settings(**{name: value}):
        assert getattr(BoltConfig.from_settings(), field) == converted


@pytest.mark.parametrize("name", ["STATIC_URL", "MEDIA_URL"])
def test_a_setting_django_fails_to_read_is_an_error_not_a_missing_setting(name):
    with override_settings(**{name: 8000}), pytest.raises(ImproperlyConfigured) as excinfo:
        BoltConfig.from_settings()
    assert str(excinfo.value).startswith(f"Cannot read the Django setting {name}: ")
    assert isinstance(excinfo.value.__cause__, AttributeError)


@pytest.mark.parametrize(
    ("name", "value", "instead"),
    [
        ("BOLT_WS_CHANNEL_SIZE", 100, "bounded queues"),
        ("BOLT_MAX_SYNC_STREAMING_THREADS", 4, "BOLT_THREADPOOL_SIZE"),
        ("BOLT_ASGI_MOUNT_TIMEOUT", 30, "asyncio.timeout"),
    ],
)
def test_a_release_setting_this_server_cannot_enforce_is_refused_not_ignored(name, value, instead):
    with override_settings(**{name: value}), pytest.raises(ImproperlyConfigured) as excinfo:
        BoltConfig.from_settings()
    assert str(excinfo.value).startswith(f"{name} is not supported by django-bolt: ")
    assert instead in str(excinfo.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # A wrong value: the release's own message.
        ("DJANGO_BOLT_WORKERS", "0", "DJANGO_BOLT_WORKERS must be an int of 1 or more, got '0'."),
        ("DJANGO_BOLT_REUSE_PORT", "maybe", "DJANGO_BOLT_REUSE_PORT must be 1, 0, true or false, got 'maybe'."),
        (
            "DJANGO_BOLT_LANE_IDLE_SECONDS",
            "soon",
            "DJANGO_BOLT_LANE_IDLE_SECONDS must be a number more than 0, got 'soon'.",
        ),
        (
            "DJANGO_BOLT_MAX_PARAM_LENGTH",
            "\udcff",
            "DJANGO_BOLT_MAX_PARAM_LENGTH must be an int from 1 to 1048576, got a",
        ),
        # A right one: what to set instead, since it would be ignored here.
        ("DJANGO_BOLT_KEEP_ALIVE", "5", "set BOLT_KEEP_ALIVE_TIMEOUT in settings.py"),
        ("DJANGO_BOLT_ORM_THREADS", "4", "set BOLT_THREADPOOL_SIZE"),
        ("DJANGO_BOLT_WS_CHANNEL_SIZE", "100", "it has no counterpart (each WebSocket has fixed bounded queues)"),
    ],
)
def test_the_releases_environment_variables_are_refused_not_ignored(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as excinfo:
        BoltConfig.from_settings()
    assert message in str(excinfo.value)


def test_an_empty_environment_variable_is_unset(monkeypatch):
    monkeypatch.setenv("DJANGO_BOLT_WORKERS", "")
    assert BoltConfig.from_settings().workers == 1
