"""``find_static_file``: the lookup the Rust static-file handler makes in DEBUG."""

from __future__ import annotations

from .._runtime import find_static


def find_static_file(path: str) -> str | None:
    """The absolute path Django's staticfiles finders give for ``path`` (``"admin/css/base.css"``),
    or None. Only the finders are asked (``STATICFILES_DIRS``, the apps' ``static/``), not
    ``STATIC_ROOT``; a path that leaves a directory (``"../x"``) raises Django's
    ``SuspiciousFileOperation``."""
    return find_static(path)


__all__ = ["find_static_file"]
