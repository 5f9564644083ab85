"""Ready-made constrained types for serializer fields (``Annotated[base, msgspec.Meta(...)]``).

The constraints are checked by msgspec when input is validated, and appear in the JSON schema."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta


def _char(n: int) -> object:
    return Annotated[str, Meta(max_length=n)]


Char50 = _char(50)
Char100 = _char(100)
Char150 = _char(150)
Char200 = _char(200)
Char255 = _char(255)
Char500 = _char(500)
Char1000 = _char(1000)
Text = Annotated[str, Meta(description="Text of any length")]
NonEmptyStr = Annotated[str, Meta(min_length=1)]

# Deliberately simple: one '@', no spaces, a dot in the domain (full RFC 5322 is not useful here).
Email = Annotated[
    str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254, extra_json_schema={"format": "email"})
]
URL = Annotated[str, Meta(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2048, extra_json_schema={"format": "uri"})]
HttpsURL = Annotated[
    str, Meta(pattern=r"^https://[^\s/$.?#][^\s]*$", max_length=2048, extra_json_schema={"format": "uri"})
]
Slug = Annotated[str, Meta(pattern=r"^[-a-zA-Z0-9_]+$", max_length=50)]
Slug100 = Annotated[str, Meta(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]
Slug200 = Annotated[str, Meta(pattern=r"^[-a-zA-Z0-9_]+$", max_length=200)]
# A string (as in the release: handlers compare and slice it as text); only the canonical
# 8-4-4-4-12 hex form is accepted.
UUID = Annotated[
    str,
    Meta(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        extra_json_schema={"format": "uuid"},
    ),
]

SmallInt = Annotated[int, Meta(ge=-32768, le=32767)]
Int = Annotated[int, Meta(ge=-2147483648, le=2147483647)]
BigInt = Annotated[int, Meta(ge=-9223372036854775808, le=9223372036854775807)]
PositiveSmallInt = Annotated[int, Meta(ge=0, le=32767)]
PositiveInt = Annotated[int, Meta(gt=0)]  # strictly positive, as in the release (0 is NonNegativeInt)
PositiveBigInt = Annotated[int, Meta(ge=0, le=9223372036854775807)]
NonNegativeInt = Annotated[int, Meta(ge=0)]

Float = float
PositiveFloat = Annotated[float, Meta(ge=0)]  # 0 allowed, as in the release

_IPV4 = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
_IPV6 = r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"
IPv4 = Annotated[str, Meta(pattern=f"^{_IPV4}$", extra_json_schema={"format": "ipv4"})]
IPv6 = Annotated[str, Meta(pattern=f"^{_IPV6}$", max_length=45, extra_json_schema={"format": "ipv6"})]
IP = Annotated[str, Meta(pattern=f"^({_IPV4}|{_IPV6})$", max_length=45)]
Port = Annotated[int, Meta(ge=1, le=65535)]
HttpStatus = Annotated[int, Meta(ge=100, le=599)]

FilePath = Annotated[str, Meta(max_length=4096)]
Username = Annotated[str, Meta(pattern=r"^[\w.@+-]+$", min_length=1, max_length=150)]
Password = Annotated[str, Meta(min_length=8, max_length=128)]

# E.164: digits only, an optional "+", no leading zero (format it for display, not in the field).
Phone = Annotated[str, Meta(pattern=r"^\+?[1-9][0-9]{1,14}$", max_length=16)]
HexColor = Annotated[str, Meta(pattern=r"^#[0-9a-fA-F]{6}$")]  # #RRGGBB only
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, Meta(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
Timezone = Annotated[str, Meta(pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", max_length=64)]

Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Percentage = Annotated[float, Meta(ge=0, le=100)]
# Scores with halves allowed (4.5 stars), 0 meaning none, as in the release.
Rating = Annotated[float, Meta(ge=0, le=5)]
Rating10 = Annotated[float, Meta(ge=0, le=10)]

__all__ = [
    "Char50", "Char100", "Char150", "Char200", "Char255", "Char500", "Char1000", "Text", "NonEmptyStr",
    "Email", "URL", "HttpsURL", "Slug", "Slug100", "Slug200", "UUID",
    "SmallInt", "Int", "BigInt", "PositiveSmallInt", "PositiveInt", "PositiveBigInt", "NonNegativeInt",
    "Float", "PositiveFloat", "IPv4", "IPv6", "IP", "Port", "HttpStatus", "FilePath", "Username",
    "Password", "Phone", "HexColor", "CurrencyCode", "CountryCode", "LanguageCode", "Timezone",
    "Latitude", "Longitude", "Percentage", "Rating", "Rating10",
]  # fmt: skip
