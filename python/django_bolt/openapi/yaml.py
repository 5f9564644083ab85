"""A YAML rendering of the JSON document, without a YAML library: every string is written as a
JSON string, which is a valid YAML double-quoted scalar, so nothing is ever read as another type."""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C-accelerated
from typing import Any


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return encode_basestring(str(value))


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
