"""Settings of the release that have no counterpart in the server here, and the
``Content-Security-Policy`` of static and media answers (``SECURE_CSP``).

The release's own settings are read with its rules (so a wrong value gets the message it gets
there); the ones this server cannot enforce are then refused with what to use instead, never
ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._setting_types import SettingError, is_missing, read_setting, to_int, to_positive_number

#: Django's placeholder for the per-response nonce (``django.utils.csp.CSP.NONCE``); a file has
#: no nonce, so the placeholder is left out.
_NONCE_PLACEHOLDER = "<CSP_NONCE_SENTINEL>"

#: Release-only setting -> (how its value is checked, why it is refused here).
_UNSUPPORTED: dict[str, tuple[Any, str]] = {
    "BOLT_WS_CHANNEL_SIZE": (
        lambda name, raw: to_int(name, raw, 1),
        "each WebSocket has fixed bounded queues (64 messages each way) with back-pressure",
    ),
    "BOLT_MAX_SYNC_STREAMING_THREADS": (
        lambda name, raw: to_int(name, raw, 1),
        "sync iterators are pulled one chunk at a time on the BOLT_THREADPOOL_SIZE pool, without a thread per stream",
    ),
    "BOLT_ASGI_MOUNT_TIMEOUT": (
        to_positive_number,
        "a mounted ASGI app runs until it answers; bound it inside the app (asyncio.timeout)",
    ),
}


def refuse_release_only_settings(settings: Any) -> None:
    """Stops startup for a release setting this server does not enforce: a wrong value with the
    release's message, a right one with the reason and what to use instead."""
    for name, (check, reason) in _UNSUPPORTED.items():
        value = read_setting(settings, name)
        if is_missing(value):
            continue
        check(name, value)
        raise SettingError(f"{name} is not supported by django-bolt: {reason}. Remove the setting.")


def content_security_policy(settings: Any, name: str) -> str | None:
    """The header value ``SECURE_CSP`` (or ``SECURE_CSP_REPORT_ONLY``) gives a static file (see
    ``build_policy_without_nonce``); None when there is no policy."""
    config = read_setting(settings, name)
    if is_missing(config) or config is None:
        return None
    if not isinstance(config, Mapping):
        raise SettingError(f"{name} must be a dict, got {type(config).__name__} {config!r}.")
    policy = build_policy_without_nonce(config, name)
    if any(not (0x20 <= ord(c) < 0x7F) for c in policy):
        raise SettingError(f"{name} gives a value that is not valid in an HTTP header: {policy!r}.")
    return policy or None


def build_policy_without_nonce(config: Mapping[str, Any], name: str) -> str:
    """A CSP policy built with Django's rules (``django.utils.csp.build_policy``, which Django
    5.2 lacks): None, False and empty lists are left out, True is a directive with no value, a
    set is sorted, one string is one value, the dict's order is kept; the nonce placeholder is
    left out. A directive or source that is not a str is refused, naming the setting ``name``."""
    directives: list[str] = []
    for directive, values in config.items():
        if values is None or values is False:
            continue
        if values is True:
            sources: list[Any] = []
        elif isinstance(values, (set, frozenset)):
            sources = sorted(values, key=str)
        elif isinstance(values, (list, tuple)):
            sources = list(values)
        else:
            sources = [values]
        if values is not True:
            sources = [s for s in sources if s != _NONCE_PLACEHOLDER]
            if not sources:
                continue
        if not isinstance(directive, str) or not all(isinstance(s, str) for s in sources):
            raise SettingError(
                f"{name} is not valid: directive {directive!r} must be a str with str sources, got {values!r}."
            )
        directives.append(" ".join([directive, *sources]))
    return "; ".join(directives)
