"""``Cookie``: one response cookie as a value (``response.set_cookie`` builds the same header)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Literal

from .responses import COOKIE_EPOCH, delete_cookie_header, format_set_cookie, needs_secure

SameSitePolicy = Literal["Strict", "Lax", "None", "strict", "lax", "none", False] | None


@dataclasses.dataclass
class Cookie:
    """A cookie to set: ``Cookie("session", "abc", httponly=True, secure=True)``.

    ``samesite`` is ``"Lax"`` (default), ``"Strict"``, ``"None"``, or ``False``/``None`` to omit it.
    Names, values and attributes are checked when the header is built.
    """

    name: str
    value: str = ""
    max_age: int | None = None
    expires: _dt.datetime | str | None = None
    path: str = "/"
    domain: str | None = None
    secure: bool = False
    httponly: bool = False
    samesite: SameSitePolicy = "Lax"

    def to_header_value(self) -> str:
        """The ``Set-Cookie`` header value."""
        return format_set_cookie(
            self.name,
            self.value,
            self.max_age,
            self.expires,
            self.path,
            self.domain,
            self.secure,
            self.httponly,
            self.samesite,
        )

    def to_raw_tuple(self) -> tuple[str, str]:
        """``("set-cookie", value)``, as a raw header pair."""
        return ("set-cookie", self.to_header_value())


def make_delete_cookie(name: str, path: str = "/", domain: str | None = None) -> Cookie:
    """A cookie that expires at once, which makes the browser drop it."""
    return Cookie(name, "", max_age=0, expires=COOKIE_EPOCH, path=path, domain=domain, secure=needs_secure(name))


__all__ = ["Cookie", "SameSitePolicy", "delete_cookie_header", "make_delete_cookie"]
