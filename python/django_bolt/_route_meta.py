"""How a route answers, decided once from its ``RouteDef``: what its results are checked against.

``BoltAPI._compile_parts`` asks ``validates_results`` whether to check; ``response_meta`` gives the
same decisions under the keys of the release's private per-route metadata (``_handler_meta``),
for code written for it.
"""

from __future__ import annotations

import inspect
from typing import Any

from ._results import _mentions_serializer, checked_type, return_annotation, stream_item
from .multi_response import check_status_models, default_status, is_multi_response
from .router import RouteDef


def validates_results(route: RouteDef, api_default: bool) -> bool:
    """``validate_response`` in effect: the route's own, else its API's."""
    return api_default if route.validate_response is None else route.validate_response


def response_type(route: RouteDef) -> Any:
    """The type the route's body is declared as: ``response_model=`` (a per-status model map:
    the default status's model), else the return annotation unless ``response_model=None``."""
    if is_multi_response(route.response_model):
        models = check_status_models(route.response_model)
        return models[default_status(models, route.status_code)]
    if route.response_model is not None or not route.checks_annotation:
        return route.response_model
    return return_annotation(route.handler)


def view_result_type(route: RouteDef) -> Any:
    """The type a class-based view's results are checked against (``validate_response``): its
    ``response_model`` or the method's return annotation; None when there is nothing to check or
    a serializer wrote the results (its output form is what it declares)."""
    declared = route.response_model
    if declared is None:
        declared = inspect.signature(route.handler).return_annotation
    if declared is inspect.Signature.empty or _mentions_serializer(declared):
        return None
    return checked_type(declared)


def _checks_results(route: RouteDef, api_default: bool) -> bool:
    """Results are converted to and checked against a type (as ``_compile_parts`` sets up)."""
    if not validates_results(route, api_default):
        return False
    if getattr(route.handler, "__bolt_view_output__", False):
        return view_result_type(route) is not None
    if is_multi_response(route.response_model):
        return any(model is not None for model in route.response_model.values())
    if route.response_model is not None:
        return True
    if not route.checks_annotation:
        return False
    annotation = return_annotation(route.handler)
    is_stream, item_type = stream_item(annotation)
    return item_type is not None if is_stream else checked_type(annotation) is not None


def response_meta(route: RouteDef, api_default: bool) -> dict[str, Any]:
    """The release's ``_handler_meta`` keys about the answer, computed from ``route``."""
    multi = is_multi_response(route.response_model)
    meta: dict[str, Any] = {
        "http_method": route.method,
        "sig": inspect.signature(route.handler),
        "response_type": response_type(route),
        "is_multi_response": multi,
        "default_status_code": route.status_code,
        "_has_response_validation": _checks_results(route, api_default),
    }
    if multi:
        models = check_status_models(route.response_model)
        meta["response_map"] = models
        meta["default_status_code"] = default_status(models, route.status_code)
    return meta
