"""``@action`` for ViewSet methods (defined in ``django_bolt.views``)."""

from .views import action

__all__ = ["action"]
