"""Settings of the wrong type stop startup (``ImproperlyConfigured`` naming the setting) unless
their meaning is unambiguous: ``"10"`` for a number, one string for a list, 0/1 for a bool."""

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
        ("BOLT_MAX_UPLOAD_SIZE", "2048", "max_body_bytes", 2048),
        ("BOLT_MAX_UPLOAD_SIZE", 1e7, "max_body_bytes", 10_000_000),
        ("CORS_ALLOWED_ORIGINS", "https://a.example", "cors_allowed_origins", ("https://a.example",)),
        ("CORS_ALLOW_CREDENTIALS", 1, "cors_allow_credentials", True),
        ("BOLT_ACCESS_LOG", "false", "access_log", False),
        ("BOLT_KEEP_ALIVE_TIMEOUT", "2.5", "keep_alive_timeout", 2.5),
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
