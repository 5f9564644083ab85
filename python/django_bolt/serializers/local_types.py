"""Serializers defined inside a function under ``from __future__ import annotations``.

Their annotations are strings, and msgspec resolves strings later in the module's globals, where
a class defined in the same function (``address: AddressSerializer``) is not. When the class
statement runs in a function, each string annotation that names the function's local variables
is evaluated there and then; the others (forward references to classes defined later) stay
strings, resolved lazily as before.
"""

from __future__ import annotations

import sys
from typing import Any


def resolve_local_annotations(namespace: dict[str, Any], depth: int) -> None:
    """``depth``: frames between the caller of this function and the class statement."""
    annotations = namespace.get("__annotations__")
    if not annotations or not any(isinstance(a, str) for a in annotations.values()):
        return
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return
    module = namespace.get("__module__")
    # Only a class statement in a function of the class's own module; a module-level class
    # needs nothing (its names are the module's globals).
    if frame.f_globals.get("__name__") != module or frame.f_locals is frame.f_globals:
        return
    local_names = frame.f_locals
    del frame  # no reference cycle through the frame
    for name, annotation in list(annotations.items()):
        if not isinstance(annotation, str):
            continue
        try:
            code = compile(annotation, "<annotation>", "eval")
        except SyntaxError:
            continue
        if not any(n in local_names for n in code.co_names):
            continue
        try:
            annotations[name] = eval(code, sys.modules[module].__dict__ if module in sys.modules else {}, local_names)  # noqa: S307 - a type expression written in the class body
        except Exception:  # noqa: BLE001 - a name defined later: left for msgspec to resolve
            continue
