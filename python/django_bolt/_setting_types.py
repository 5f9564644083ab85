"""Type checks of settings values: a value of the wrong type stops startup with an error naming
the setting. Numbers are never read from strings (``"10"``: a typo for ``10`` or an environment
value nobody converted; refused as the release does). Only django-bolt's own ``BOLT_*`` settings
accept one string for a list and ``"true"``/``"false"`` for a bool; other apps' settings
(``CORS_*``) get the types their own app requires.

``SettingError`` is Django's ``ImproperlyConfigured`` (as the release raises) and a ``ValueError``.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class SettingError(ImproperlyConfigured, ValueError):
    """A setting whose value cannot be used."""


def _refuse(name: str, expected: str, raw: Any) -> SettingError:
    return SettingError(f"{name} must be {expected}, got {type(raw).__name__} {raw!r}.")


def to_int(name: str, raw: Any, minimum: int = 0, maximum: int | None = None) -> int:
    """An int (an ``IntEnum`` is one); a whole float (``1e7``) is converted. A bool, a string, a
    fraction or anything else is refused, and so is a value outside the range."""
    expected = f"an int of {minimum} or more" if maximum is None else f"an int from {minimum} to {maximum}"
    value: int | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = int(raw)
    elif isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        value = int(raw)
    if value is None or value < minimum or (maximum is not None and value > maximum):
        raise _refuse(name, expected, raw)
    return value


def to_seconds(name: str, raw: Any) -> float:
    """A number (not a bool, a string or NaN); range checks come after."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and not math.isnan(raw):
        return float(raw)
    raise _refuse(name, "a number of seconds", raw)


def to_positive_number(name: str, raw: Any) -> float:
    """A finite number more than 0 (not a bool or a string)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw) and raw > 0:
        return float(raw)
    raise _refuse(name, "a number more than 0", raw)


def to_bool(name: str, raw: Any) -> bool:
    """A bool. A ``BOLT_*`` setting (read only by django-bolt) may also be 0/1 or a string
    (``"true"``/``"false"``, ``"1"``/``"0"``, ``"yes"``/``"no"``, ``"on"``/``"off"``, as from an
    environment variable); other apps' settings (``CORS_*``) must be bools, since their apps read
    ``"False"`` as true."""
    if isinstance(raw, bool):
        return raw
    if not name.startswith("BOLT_"):
        raise _refuse(name, "a bool", raw)
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
    raise _refuse(name, "a bool", raw)


def to_debug(raw: Any) -> bool:
    """``DEBUG``: a bool or an int, tested for truth as Django does."""
    if isinstance(raw, int):  # bool included
        return bool(raw)
    raise _refuse("DEBUG", "a bool or an int", raw)


def to_str_tuple(name: str, raw: Any) -> tuple[str, ...]:
    """A list (tuple, set) of strings. For a ``BOLT_*`` setting one string is a list of one; other
    apps (django-cors-headers) would read a string as a list of characters, so it is refused."""
    if raw is None:
        return ()
    if isinstance(raw, str) and name.startswith("BOLT_"):
        return (raw,)
    if isinstance(raw, (list, tuple, set, frozenset)) and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    raise _refuse(name, "a list of str", raw)


_MISSING = object()


def read_setting(settings: Any, name: str) -> Any:
    """The setting's value, or ``_MISSING``. A setting that exists but cannot be read (Django
    adds the script prefix to ``STATIC_URL`` with str methods: an int raises ``AttributeError``)
    is an error, not a missing setting."""
    try:
        return getattr(settings, name)
    except AttributeError as exc:
        wrapped = getattr(settings, "_wrapped", settings)
        if name in getattr(wrapped, "__dict__", {}) or name in dir(wrapped):
            raise SettingError(f"Cannot read the Django setting {name}: {exc}") from exc
        return _MISSING


def is_missing(value: Any) -> bool:
    return value is _MISSING
