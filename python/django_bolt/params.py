"""Parameter markers: where a handler argument comes from and how it is constrained.

Use them as defaults (``q: str = Query(min_length=2)``) or inside ``Annotated[...]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_UNSET: Any = ...


class Param:
    """The base marker. Its positional arguments follow the release's field order
    (``Param("query", "x")`` reads query key ``x``); the markers below take the default first."""

    source: str = "query"

    def __init__(
        self,
        source: str | None = None,
        alias: str | None = None,
        embed: bool = False,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        description: str | None = None,
        example: Any = None,
        deprecated: bool = False,
        *,
        default: Any = _UNSET,
        examples: list[Any] | None = None,
        include_in_schema: bool = True,
    ) -> None:
        if multiple_of is not None:
            raise ValueError("multiple_of is not supported; check the value in the handler")
        if source is not None:
            self.source = source
        self.default = default
        self.alias = alias
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.description = description
        self.example = example
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.embed = embed

    @property
    def required(self) -> bool:
        return self.default is _UNSET

    def constraints(self) -> dict[str, Any]:
        names = ("gt", "ge", "lt", "le", "min_length", "max_length", "pattern")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(default={self.default!r}, alias={self.alias!r})"


class _Marker(Param):
    """``Query(default, *, alias=..., ...)`` and the other markers: the default comes first."""

    def __init__(self, default: Any = _UNSET, **kwargs: Any) -> None:
        super().__init__(default=default, **kwargs)


class Query(_Marker):
    source = "query"


class Path(_Marker):
    source = "path"


class Header(_Marker):
    source = "header"

    def __init__(self, default: Any = _UNSET, *, convert_underscores: bool = True, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class Cookie(_Marker):
    source = "cookie"


class Body(_Marker):
    source = "body"

    def __init__(self, default: Any = _UNSET, *, media_type: str = "application/json", **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        if media_type.split(";")[0].strip().lower() != "application/json":
            # Body() always decodes JSON: another media type would be silently ignored.
            raise ValueError(f"Body(media_type={media_type!r}): bodies are JSON; use Form()/File() for form data")
        self.media_type = media_type


class Form(_Marker):
    source = "form"


def _mime_types(allowed_types: Any) -> list[str] | None:
    """``File(allowed_types=)`` as a list. A bare string would be read character by character
    (and its ``*`` would then allow every type), and an empty list would allow every type too."""
    if allowed_types is None:
        return None
    try:
        if isinstance(allowed_types, (str, bytes)):
            raise TypeError
        types = list(iter(allowed_types))  # read once: a generator or a __getitem__ sequence works too
    except TypeError:
        raise TypeError(f"File(allowed_types=) takes an iterable of MIME type strings, got {allowed_types!r}") from None
    if not all(isinstance(t, str) for t in types):
        raise TypeError(f"File(allowed_types=) takes an iterable of MIME type strings, got {types!r}")
    if not types:
        raise ValueError("File(allowed_types=[]) allows no file type; omit it to allow every type")
    return types


def _media_matches(media: str, allowed: str) -> bool:
    """``image/png`` matches ``image/png`` and ``image/*``."""
    return media.startswith(allowed[:-1]) if allowed.endswith("/*") else media == allowed


class File(_Marker):
    source = "file"

    def __init__(
        self,
        default: Any = _UNSET,
        *,
        max_size: int | None = None,
        min_size: int | None = None,
        allowed_types: list[str] | tuple[str, ...] | None = None,
        max_files: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(default, **kwargs)
        self.max_size = max_size
        self.min_size = min_size
        self.allowed_types = _mime_types(allowed_types)
        self.max_files = max_files

    def check(self, uploads: list[Any], loc: list[Any]) -> dict[str, Any] | None:
        """The first error of ``uploads`` (files of a ``Form()`` struct field) against these
        constraints, with the types and messages the Rust check of ``File()`` arguments gives
        (``src/params/mod.rs`` ``check_files``)."""
        if self.max_files is not None and len(uploads) > self.max_files:
            msg = f"At most {self.max_files} files are allowed, got {len(uploads)}"
            return {"loc": loc, "msg": msg, "type": "file_too_many"}
        for upload in uploads:
            name, size = getattr(upload, "raw_filename", ""), getattr(upload, "size", 0) or 0
            if self.max_size is not None and size > self.max_size:
                msg = f'File "{name}" exceeds the maximum size of {self.max_size} bytes ({size} bytes)'
                return {"loc": loc, "msg": msg, "type": "file_too_large"}
            if self.min_size is not None and size < self.min_size:
                msg = f'File "{name}" is under the minimum size of {self.min_size} bytes ({size} bytes)'
                return {"loc": loc, "msg": msg, "type": "file_too_small"}
            if self.allowed_types:
                media = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
                if not any(_media_matches(media, allowed.lower()) for allowed in self.allowed_types):
                    msg = f'File type "{media}" is not allowed'
                    return {"loc": loc, "msg": msg, "type": "file_invalid_content_type"}
        return None

    def constraints(self) -> dict[str, Any]:
        out = super().constraints()
        for name in ("max_size", "min_size", "allowed_types", "max_files"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


class Depends:
    """``Depends(dependency, use_cache=True)``: the argument is ``dependency``'s result.

    The dependency may take ``request`` and other ``Depends`` arguments, and may be sync or async.
    With ``use_cache`` it runs at most once per request.
    """

    def __init__(self, dependency: Callable[..., Any] | None = None, *, use_cache: bool = True) -> None:
        self.dependency = dependency
        self.use_cache = use_cache

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", repr(self.dependency))
        return f"Depends({name})"


__all__ = ["Param", "Query", "Path", "Header", "Cookie", "Body", "Form", "File", "Depends"]
