"""``request.user`` for token-authenticated requests: the Django user named by the token's
``user_id``/``sub`` claim, loaded on first access only."""

from __future__ import annotations

from typing import Any


def _anonymous() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


class DjangoUserLoader:
    """Loads users with the active user model; a missing or inactive user is ``AnonymousUser``."""

    def load_user(self, user_id: str, claims: Any) -> Any:
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.get(pk=user_id)
        except (model.DoesNotExist, ValueError, TypeError):
            return _anonymous()
        return user if getattr(user, "is_active", True) else _anonymous()

    async def aload_user(self, request: Any, user_id: str, claims: Any) -> Any:
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = await model._default_manager.aget(pk=user_id)
        except (model.DoesNotExist, ValueError, TypeError):
            user = _anonymous()
        if not getattr(user, "is_active", True):
            user = _anonymous()
        request.user = user
        return user


async def get_current_user(request: Any) -> Any:
    """The authenticated Django user (``AnonymousUser`` if none), loaded without blocking the loop."""
    return await request.auser()


def get_current_user_sync(request: Any) -> Any:
    return request.user


__all__ = ["DjangoUserLoader", "get_current_user", "get_current_user_sync"]
