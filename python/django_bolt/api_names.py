"""Which top-level names of a module are assigned a ``BoltAPI(...)``, read from its source.

Discovery reads the source instead of importing every candidate module, so it knows which
attribute to take (``app = BoltAPI()`` as well as ``api = ...``) and imports only modules that
really define an API.
"""

from __future__ import annotations

import ast
import importlib.util

from ._ast_names import dotted_name


def _bolt_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Local names bound to the ``BoltAPI`` class, and local names bound to django_bolt modules,
    from the module's top-level imports (a class named BoltAPI from another library is not ours)."""
    classes: set[str] = set()
    modules: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "django_bolt":
                continue
            for alias in node.names:
                if alias.name == "BoltAPI" or alias.name == "*":
                    classes.add(alias.asname or "BoltAPI")
                else:
                    modules.add(alias.asname or alias.name)  # ``from django_bolt import api``
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "django_bolt" and alias.asname:
                    modules.add(alias.asname)
    return classes, modules


def _is_bolt_api_call(value: ast.expr | None, classes: set[str], modules: set[str]) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Name):
        return func.id in classes
    if isinstance(func, ast.Attribute) and func.attr == "BoltAPI":
        owner = dotted_name(func.value)
        if owner is None:
            return False
        return owner.split(".")[0] == "django_bolt" or owner in modules
    return False


def find_bolt_api_names(module_name: str) -> list[str]:
    """The top-level names the module ``module_name`` assigns a ``BoltAPI(...)`` to, in source
    order, without importing it; empty when it is not found, unreadable or not valid Python."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return []
    try:
        with open(spec.origin, encoding="utf-8") as source:
            tree = ast.parse(source.read(), filename=spec.origin)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return []
    classes, modules = _bolt_names(tree)
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and _is_bolt_api_call(node.value, classes, modules):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and _is_bolt_api_call(node.value, classes, modules):
            if isinstance(node.target, ast.Name):
                names.append(node.target.id)
    return names
