"""The release's ``DJANGO_BOLT_*`` environment variables: this server reads its settings from
Django settings only (``settings.py`` may read ``os.environ``), so a deployment that sets one of
them would silently get a different server. A set variable stops startup instead: a wrong value
with the release's own message, a right one with the setting to use here. Empty means unset, as
in the release.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ._setting_types import SettingError

_THREADS = "BOLT_THREADPOOL_SIZE (sync handlers, the ORM and sync streams share that pool)"


def _int_rule(minimum: int, maximum: int | None = None) -> tuple[str, Callable[[str], bool]]:
    expected = f"an int of {minimum} or more" if maximum is None else f"an int from {minimum} to {maximum}"

    def valid(text: str) -> bool:
        digits = text.strip()
        if not digits.lstrip("-").isdigit():
            return False
        value = int(digits)
        return value >= minimum and (maximum is None or value <= maximum)

    return expected, valid


def _positive_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return value > 0 and value != float("inf")


_BOOL = ("1, 0, true or false", lambda text: text.strip().lower() in ("1", "0", "true", "false"))

#: Variable -> ((what the release expects, its check), the setting to use here, or why there is
#: none).
RELEASE_VARIABLES: dict[str, tuple[tuple[str, Callable[[str], bool]], str]] = {
    "DJANGO_BOLT_WORKERS": (_int_rule(1), "BOLT_WORKERS"),
    "DJANGO_BOLT_BACKLOG": (_int_rule(1), "BOLT_BACKLOG"),
    "DJANGO_BOLT_KEEP_ALIVE": (_int_rule(0), "BOLT_KEEP_ALIVE_TIMEOUT"),
    "DJANGO_BOLT_SHUTDOWN_TIMEOUT": (_int_rule(0), "BOLT_SHUTDOWN_GRACE"),
    "DJANGO_BOLT_REUSE_PORT": (_BOOL, "BOLT_PROCESSES (the worker processes share one listening socket)"),
    "DJANGO_BOLT_BLOCKING_THREADS": (_int_rule(1), _THREADS),
    "DJANGO_BOLT_EXECUTOR_THREADS": (_int_rule(1), _THREADS),
    "DJANGO_BOLT_ORM_THREADS": (_int_rule(1), _THREADS),
    "DJANGO_BOLT_MAX_SYNC_STREAMING_THREADS": (_int_rule(1), _THREADS),
    "DJANGO_BOLT_STREAM_SYNC_BATCH_SIZE": (_int_rule(1), "sync iterators are pulled a chunk at a time"),
    "DJANGO_BOLT_STREAM_CHANNEL_CAPACITY": (_int_rule(1), "a stream runs at most 16 KiB ahead of the socket"),
    "DJANGO_BOLT_LANE_IDLE_SECONDS": (
        ("a number more than 0", _positive_number),
        "idle lanes are not timed: at most 16 wait for the next request (django_bolt.lanes.MAX_IDLE_LANES)",
    ),
    "DJANGO_BOLT_MAX_PARAM_LENGTH": (_int_rule(1, 1048576), "BOLT_MAX_HEADER_SIZE (the request line and headers)"),
    "DJANGO_BOLT_WS_MAX_CONNECTIONS": (_int_rule(0), "BOLT_WS_MAX_CONNECTIONS"),
    "DJANGO_BOLT_WS_CHANNEL_SIZE": (_int_rule(1), "each WebSocket has fixed bounded queues"),
    "DJANGO_BOLT_WS_HEARTBEAT_INTERVAL": (_int_rule(1), "BOLT_WS_PING_INTERVAL"),
    "DJANGO_BOLT_WS_CLIENT_TIMEOUT": (_int_rule(0), "BOLT_WS_PING_TIMEOUT"),
    "DJANGO_BOLT_WS_MAX_MESSAGE_SIZE": (_int_rule(0), "BOLT_WS_MAX_MESSAGE_SIZE"),
}


def refuse_release_variables(environ: os._Environ[str] | dict[str, str] = os.environ) -> None:
    for name, ((expected, valid), instead) in RELEASE_VARIABLES.items():
        value = environ.get(name, "")
        if not value:
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # os.environ keeps undecodable bytes as surrogates
            raise SettingError(f"{name} must be {expected}, got a value that is not UTF-8.") from None
        if not valid(value):
            raise SettingError(f"{name} must be {expected}, got {value!r}.")
        if instead.startswith("BOLT_"):
            advice = f"set {instead} in settings.py (it may read os.environ)"
        else:
            advice = f"it has no counterpart ({instead})"
        raise SettingError(
            f"{name} is set, but django-bolt reads Django settings, not this variable: {advice}; unset the variable."
        )
