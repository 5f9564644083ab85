"""Named values for common options: content types and upload size limits."""

from __future__ import annotations

from enum import Enum, IntEnum


class StrValueEnum(str, Enum):
    """A string enum whose str() and f-strings give the value, as ``enum.StrEnum`` does (which needs
    Python 3.11; this package supports 3.10)."""

    def __str__(self) -> str:
        return self.value

    __format__ = str.__format__


class MediaType(StrValueEnum):
    """Content-Type values; a member is its string (``media_type=MediaType.HTML``)."""

    JSON = "application/json"
    HTML = "text/html"
    TEXT = "text/plain"
    CSS = "text/css"
    XML = "application/xml"
    MESSAGEPACK = "application/vnd.msgpack"


_MB = 1024 * 1024


class FileSize(IntEnum):
    """Upload size limits in bytes, binary megabytes (``File(max_size=FileSize.MB_5)``)."""

    MB_1 = 1 * _MB
    MB_2 = 2 * _MB
    MB_3 = 3 * _MB
    MB_4 = 4 * _MB
    MB_5 = 5 * _MB
    MB_6 = 6 * _MB
    MB_7 = 7 * _MB
    MB_8 = 8 * _MB
    MB_9 = 9 * _MB
    MB_10 = 10 * _MB
    MB_20 = 20 * _MB
    MB_30 = 30 * _MB
    MB_40 = 40 * _MB
    MB_50 = 50 * _MB
    MB_60 = 60 * _MB
    MB_70 = 70 * _MB
    MB_80 = 80 * _MB
    MB_90 = 90 * _MB
    MB_100 = 100 * _MB
