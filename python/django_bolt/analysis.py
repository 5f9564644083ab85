"""Static analysis of a handler's source: database work, blocking calls and request parts read.

The release's public module of the same name. Here nothing per request depends on it (the
request's dicts are built on first access, and every sync handler runs on a blocking thread,
whose database use is tracked as it happens); ``django-bolt doctor`` uses it to find async
handlers and dependencies that would block the event loop (``_loop_blockers``).

The analysis reads source, so it sees only what is written in the function itself: work done in
a helper it calls is invisible, and a request handed to a helper counts as every part read.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._ast_names import dotted_name

__all__ = [
    "DependencyNeeds",
    "HandlerAnalysis",
    "analyze_dependency_tree",
    "analyze_handler",
    "resolve_introspection_target",
]

REQUEST_PARTS = ("body", "query", "headers", "cookies")

#: Attributes through which a model reaches the database.
MANAGER_NAMES = frozenset({"objects", "_default_manager", "_base_manager"})

#: QuerySet methods that build a query without running it.
LAZY_QUERYSET_METHODS = frozenset(
    {
        "all", "filter", "exclude", "annotate", "values", "values_list", "distinct", "order_by",
        "select_related", "prefetch_related", "only", "defer", "using", "raw", "extra",
    }
)  # fmt: skip
#: QuerySet methods that run their query when called.
RUNNING_QUERYSET_METHODS = frozenset(
    {
        "get", "first", "last", "earliest", "latest", "create", "get_or_create", "update_or_create",
        "bulk_create", "bulk_update", "update", "delete", "count", "exists", "aggregate",
    }
)  # fmt: skip
QUERYSET_METHODS = LAZY_QUERYSET_METHODS | RUNNING_QUERYSET_METHODS
ASYNC_QUERYSET_METHODS = frozenset(
    {
        "aget", "afirst", "alast", "aearliest", "alatest", "acreate", "aget_or_create",
        "aupdate_or_create", "abulk_create", "abulk_update", "aupdate", "adelete", "acount",
        "aexists", "aaggregate", "ain_bulk", "aiterator", "acontains", "aexplain",
    }
)  # fmt: skip
ANY_QUERYSET_METHODS = QUERYSET_METHODS | ASYNC_QUERYSET_METHODS
#: Model instance methods that query (``full_clean`` and friends check uniqueness).
INSTANCE_METHODS = frozenset({"save", "delete", "refresh_from_db", "full_clean", "clean", "validate_unique"})
ASYNC_INSTANCE_METHODS = frozenset({"asave", "adelete", "arefresh_from_db"})
ANY_INSTANCE_METHODS = INSTANCE_METHODS | ASYNC_INSTANCE_METHODS
#: ``django.db`` names whose ``.cursor()`` is a raw database cursor.
CONNECTION_NAMES = frozenset({"connection", "connections"})

#: Functions that block when called by a bare name (``open(...)``, ``sleep(...)`` imported).
BLOCKING_NAMES = frozenset(
    {
        "open", "read", "write", "close", "urlopen", "request", "get", "post", "put", "patch",
        "delete", "sleep", "run", "call", "check_output", "check_call", "Popen",
    }
)  # fmt: skip
#: Modules whose functions do I/O (``time.sleep``, ``requests.get``, ``subprocess.run``).
BLOCKING_MODULES = frozenset(
    {"requests", "urllib.request", "urllib3", "httpx", "socket", "subprocess", "os", "io", "time"}
)

#: Model instance methods that always query when called (``delete``/``clean`` have other meanings).
QUERYING_INSTANCE_METHODS = frozenset({"save", "refresh_from_db", "full_clean"})
#: Calls that certainly block the thread (bare ``sleep``/``get`` may be ``asyncio``'s or anything).
LOOP_BLOCKING_CALLS = frozenset({"open", "urlopen", "time.sleep", "urllib.request.urlopen", "urllib3.request"})
LOOP_BLOCKING_MODULES = frozenset({"requests", "subprocess"})
_HTTPX_SYNC_FUNCTIONS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"})


def _blocks_the_loop(operation: str) -> bool:
    module, _, function = operation.rpartition(".")
    return (
        operation in LOOP_BLOCKING_CALLS
        or module in LOOP_BLOCKING_MODULES
        or (module == "httpx" and function in _HTTPX_SYNC_FUNCTIONS)
    )


#: Request attributes and methods and the parts they read. Not listed: reads every part.
_ATTRIBUTE_PARTS: dict[str, tuple[str, ...]] = {
    "body": ("body",),
    "query": ("query",),
    "headers": ("headers",),
    "cookies": ("cookies",),
    "raw_cookies": ("cookies",),
    "META": ("headers", "query"),
    "get_full_path": ("query",),
    "build_absolute_uri": ("headers", "query"),
    # Request attributes that hold none of the four parts.
    **dict.fromkeys(("method", "path", "params", "context", "state", "user", "auser"), ()),
}


def resolve_introspection_target(fn: Any) -> Any:
    """What ``inspect.getsource`` and ``typing.get_type_hints`` should read for the callable
    ``fn``: functions, methods, classes and modules are themselves; any other object (a callable
    instance, a ``functools.partial``) is read through its type's ``__call__``, a slot wrapper
    for a type written in C (no source, no hints)."""
    if inspect.isfunction(fn) or inspect.ismethod(fn) or inspect.isclass(fn) or inspect.ismodule(fn):
        return fn
    return inspect.getattr_static(type(fn), "__call__")


@dataclass
class DependencyNeeds:
    """The request parts a handler's dependencies (and theirs) read."""

    needs_body: bool = False
    needs_query: bool = False
    needs_headers: bool = False
    needs_cookies: bool = False

    @property
    def saturated(self) -> bool:
        """Every part is needed: walking further cannot add any."""
        return all(getattr(self, f"needs_{part}") for part in REQUEST_PARTS)

    def set_all(self) -> None:
        for part in REQUEST_PARTS:
            setattr(self, f"needs_{part}", True)

    def add(self, source: Any, prefix: str) -> None:
        """Adds the parts ``source`` needs, read as ``{prefix}{part}`` (a mapping or an object)."""
        for part in REQUEST_PARTS:
            key = f"{prefix}{part}"
            needed = source.get(key) if isinstance(source, dict) else getattr(source, key)
            if needed:
                setattr(self, f"needs_{part}", True)


@dataclass
class HandlerAnalysis:
    """What the source of one handler (or dependency) does."""

    uses_orm: bool = False
    #: QuerySet and model methods seen (``filter``, ``save``); a loop or comprehension over a
    #: QuerySet method is ``iterate_<method>`` / ``comprehension_<method>``; ``cursor``.
    orm_operations: set[str] = field(default_factory=set)
    has_blocking_io: bool = False
    #: Blocking calls seen: ``open``, ``time.sleep``, ``requests.get``...
    blocking_operations: set[str] = field(default_factory=set)
    request_needs_body: bool = False
    request_needs_query: bool = False
    request_needs_headers: bool = False
    request_needs_cookies: bool = False
    analysis_failed: bool = False
    failure_reason: str | None = None
    #: Calls in the function's own body (not in a nested function or lambda, which may run
    #: elsewhere) that would block an event loop: a sync query (a QuerySet method that runs it,
    #: ``save()``, a plain ``for`` or comprehension over a manager's QuerySet, a raw cursor),
    #: which Django refuses there, or I/O known to block (``time.sleep``, ``requests.get``).
    #: Not in the release; ``django-bolt doctor`` reports them for async code.
    event_loop_blockers: set[str] = field(default_factory=set)

    @property
    def is_blocking(self) -> bool:
        return self.uses_orm or self.has_blocking_io

    def mark_parts(self, parts: tuple[str, ...] = REQUEST_PARTS) -> None:
        for part in parts:
            setattr(self, f"request_needs_{part}", True)


def _reaches_manager(node: ast.AST) -> bool:
    """Whether a chain of attributes and calls goes through a manager: ``User.objects.filter(...).first``."""
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call):
            node = node.func
        elif node.attr in MANAGER_NAMES:
            return True
        else:
            node = node.value
    return False


def _is_connection(node: ast.AST) -> bool:
    """``connection`` or ``connections[alias]``."""
    owner = node.value if isinstance(node, ast.Subscript) else node
    return isinstance(owner, ast.Name) and owner.id in CONNECTION_NAMES


def _constant_key(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _SourceReader(ast.NodeVisitor):
    """Walks a function body, filling a ``HandlerAnalysis``."""

    def __init__(self, analysis: HandlerAnalysis, request_names: set[str]) -> None:
        self.found = analysis
        self.request_names = request_names
        #: Depth of nested functions and lambdas around the node being read.
        self.nested = 0

    # --- the request ---

    def _is_request(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in self.request_names

    def _read_key(self, key: ast.AST) -> None:
        """``request.get(key)`` / ``request[key]``: of the parts only the four part names are
        keys; a key known only at run time can be any of them."""
        name = _constant_key(key)
        if name is None:
            self.found.mark_parts()
        elif name in REQUEST_PARTS:
            self.found.mark_parts((name,))

    def visit_Name(self, node: ast.Name) -> None:
        # The request itself used as a value (an argument, an assignment, a container) can be
        # read anywhere: every part counts.
        if isinstance(node.ctx, ast.Load) and node.id in self.request_names:
            self.found.mark_parts()

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self._is_request(node.value):
            self._read_key(node.slice)
            self.visit(node.slice)
            return
        self.generic_visit(node)

    # --- attributes: request reads, managers, instance methods, cursors ---

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        if self._is_request(node.value):
            self.found.mark_parts(_ATTRIBUTE_PARTS.get(name, REQUEST_PARTS))
            return  # the request as a receiver is a read, not the request handed on
        if name in MANAGER_NAMES:
            self.found.uses_orm = True
        if name in ANY_QUERYSET_METHODS and _reaches_manager(node):
            self.found.orm_operations.add(name)
        if name in ANY_INSTANCE_METHODS:
            self.found.uses_orm = True
            self.found.orm_operations.add(name)
        if name == "cursor" and _is_connection(node.value):
            self.found.uses_orm = True
            self.found.orm_operations.add("cursor")
        self.generic_visit(node)

    # --- calls: blocking I/O, request.get(key) ---

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and self._is_request(func.value):
            if node.args:
                self._read_key(node.args[0])
            else:
                self.found.mark_parts()
            for argument in (*node.args, *node.keywords):
                self.visit(argument)
            return
        operation = None
        if isinstance(func, ast.Name) and func.id in BLOCKING_NAMES:
            operation = func.id
        elif isinstance(func, ast.Attribute) and dotted_name(func.value) in BLOCKING_MODULES:
            operation = f"{dotted_name(func.value)}.{func.attr}"
        if operation is not None:
            self.found.has_blocking_io = True
            self.found.blocking_operations.add(operation)
            if _blocks_the_loop(operation):
                self._blocks(operation)
        if isinstance(func, ast.Attribute):
            self._sync_query_call(func)
        self.generic_visit(node)

    def _sync_query_call(self, func: ast.Attribute) -> None:
        name = func.attr
        if (name in RUNNING_QUERYSET_METHODS and _reaches_manager(func)) or name in QUERYING_INSTANCE_METHODS:
            self._blocks(name)
        elif name == "cursor" and _is_connection(func.value):
            self._blocks("cursor")

    def _blocks(self, operation: str) -> None:
        if not self.nested:
            self.found.event_loop_blockers.add(operation)

    def _visit_nested(self, node: ast.AST) -> None:
        self.nested += 1
        self.generic_visit(node)
        self.nested -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_nested

    # --- iteration over a QuerySet method ---

    def _iterates(self, iterable: ast.AST, kind: str, is_async: bool) -> None:
        if not (isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute)):
            return
        method = iterable.func.attr
        if method in ANY_QUERYSET_METHODS:
            self.found.uses_orm = True
            self.found.orm_operations.add(f"{kind}_{method}")
            if not is_async and _reaches_manager(iterable.func):
                self._blocks(f"{kind}_{method}")

    def visit_For(self, node: ast.For) -> None:
        self._iterates(node.iter, "iterate", is_async=False)
        self.generic_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._iterates(node.iter, "iterate", is_async=True)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._iterates(node.iter, "comprehension", is_async=bool(node.is_async))
        self.generic_visit(node)


def _failed(analysis: HandlerAnalysis, reason: str) -> HandlerAnalysis:
    analysis.analysis_failed = True
    analysis.failure_reason = reason
    return analysis


def _unwrapped(fn: Any, analysis: HandlerAnalysis) -> Any:
    """The function under ``functools.wraps`` decorators. A wrapper gets the request first and
    its source is not read, so every part counts."""
    inner = inspect.unwrap(fn)
    if inner is not fn:
        analysis.mark_parts()
    return inner


def _definition(tree: ast.AST, name: str) -> ast.AST | None:
    """The definition of ``name`` in its source. A lambda's source is its whole line: with two
    lambdas on it there is no telling which one it is."""
    if name == "<lambda>":
        lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
        return lambdas[0] if len(lambdas) == 1 else None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _code_target(fn: Any, analysis: HandlerAnalysis) -> Any:
    """The function whose source runs when ``fn`` is called, or a failure reason (a str)."""
    target = _unwrapped(resolve_introspection_target(_unwrapped(fn, analysis)), analysis)
    if not inspect.isclass(target):
        return target
    # Calling a class runs its metaclass __call__ and __new__ before __init__; only __init__ is read.
    if type(target).__call__ is not type.__call__ or any("__new__" in vars(base) for base in target.__mro__[:-1]):
        return f"{target.__name__} runs a __new__ or a metaclass __call__ before __init__"
    return _unwrapped(target.__init__, analysis)


def analyze_handler(fn: Callable[..., Any], request_param_names: set[str] | None = None) -> HandlerAnalysis:
    """Reads the source of ``fn`` (a function, a callable object or a class, whose ``__init__``
    is read): its database work, blocking calls, and the request parts it reads through the
    parameters named in ``request_param_names``. Only the body counts, not the decorators. A
    source that cannot be read gives ``analysis_failed`` with the reason, never an exception."""
    analysis = HandlerAnalysis()
    try:
        target = _code_target(fn, analysis)
    except ValueError as exc:  # inspect.unwrap met a cycle of __wrapped__
        return _failed(analysis, str(exc))
    if isinstance(target, str):
        return _failed(analysis, target)
    try:
        source = textwrap.dedent(inspect.getsource(target))
    except (OSError, TypeError) as exc:
        return _failed(analysis, f"Could not get source: {exc}")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return _failed(analysis, f"Syntax error parsing source: {exc}")
    code = getattr(target, "__code__", None)
    if code is None:  # a module, or an object whose source is not one function's
        return _failed(analysis, f"{target!r} is not a function")
    name = code.co_name
    definition = _definition(tree, name)
    if definition is None:
        return _failed(analysis, f"Could not find one definition of {name} in its source")
    reader = _SourceReader(analysis, set(request_param_names or ()))
    body = [definition.body] if isinstance(definition, ast.Lambda) else definition.body
    for statement in body:
        reader.visit(statement)
    return analysis


#: Parameter names that get the request in a dependency taking nothing else.
_REQUEST_NAMES = frozenset({"request", "req"})


def _request_names_of(dep_meta: dict[str, Any]) -> set[str]:
    if dep_meta["mode"] == "request_only":
        return {name for name in dep_meta["sig"].parameters if name in _REQUEST_NAMES}
    return {f.name for f in dep_meta["fields"] if f.source == "request"}


def analyze_dependency_tree(
    meta: dict[str, Any], compile_dep_fn: Callable[[Callable[..., Any]], dict[str, Any]]
) -> DependencyNeeds:
    """The request parts the dependencies under ``meta`` read, directly and through their own.

    ``meta["fields"]`` are parameter records (``.source``, and ``.dependency.dependency`` for a
    ``Depends``); ``compile_dep_fn(fn)`` gives a dependency's own metadata: ``fields``, ``mode``
    (``"request_only"`` with its ``sig``), and ``needs_<part>`` for its typed parameters. Each
    dependency is compiled once. One that cannot be compiled or read needs every part."""
    needs = DependencyNeeds()
    seen: set[int] = set()
    pending = [meta]
    while pending and not needs.saturated:
        for dep_field in pending.pop(0)["fields"]:
            if dep_field.source != "dependency":
                continue
            dep_fn = dep_field.dependency.dependency
            if id(dep_fn) in seen:
                continue
            seen.add(id(dep_fn))
            try:
                dep_meta = compile_dep_fn(dep_fn)
            except Exception:  # noqa: BLE001 - unknown: assume it reads everything
                needs.set_all()
                return needs
            needs.add(dep_meta, "needs_")
            names = _request_names_of(dep_meta)
            if names:
                read = analyze_handler(dep_fn, request_param_names=names)
                if read.analysis_failed:
                    needs.set_all()
                    return needs
                needs.add(read, "request_needs_")
            pending.append(dep_meta)
            if needs.saturated:
                return needs
    return needs
