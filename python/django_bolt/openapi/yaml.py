"""A YAML rendering of the JSON document, without a YAML library: a string is written plain when it
is a word-like text no YAML version reads as anything else (``title: Shop``), otherwise as a JSON
string, which is a valid YAML double-quoted scalar."""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C-accelerated
from typing import Any

# YAML allows only printable characters in a document, and reads NEL, LS, PS as line breaks and
# a BOM as a marker: every other character is escaped (JSON's escaping covers only C0 controls).
_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _quoted(text: str) -> str:
    return _UNPRINTABLE.sub(_escape, encode_basestring(text))


#: Starts with a letter (never a number, an indicator or a quote), then letters, digits, spaces
#: and ``_.-``; no ``: `` or `` #`` can occur, nor leading/trailing space.
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.\- ]*(?<! )")
#: Words YAML 1.1 or 1.2 reads as booleans or null.
_SPECIAL = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        plain = _PLAIN.fullmatch(value) is not None and value.lower() not in _SPECIAL
        return value if plain else _quoted(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return _quoted(str(value))


def _lines(value: Any, indent: str, out: list[str]) -> None:
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        head = f"{indent}{_scalar(key)}:" if isinstance(value, dict) else f"{indent}-"
        if isinstance(item, (dict, list)) and item:
            out.append(head)
            _lines(item, indent + "  ", out)
        else:
            empty = "{}" if isinstance(item, dict) else "[]"
            out.append(f"{head} {empty if isinstance(item, (dict, list)) else _scalar(item)}")


def dump(document: dict[str, Any]) -> str:
    out: list[str] = []
    _lines(document, "", out)
    return "\n".join(out) + "\n"
