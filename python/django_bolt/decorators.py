"""``@action`` for ViewSet methods (defined in ``django_bolt.views``)."""

from __future__ import annotations

from typing import Any

from .views import action


class _ActionHandlerType(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return getattr(obj, "__bolt_action__", None) is not None


class ActionHandler(metaclass=_ActionHandlerType):
    """What ``@action`` gives (the release's name): here the method itself, still callable, with
    its options as attributes (``methods``, ``detail``, ``path``, ``tags``, ``summary``, ...);
    ``isinstance(method, ActionHandler)`` tells a marked method."""


__all__ = ["ActionHandler", "action"]
