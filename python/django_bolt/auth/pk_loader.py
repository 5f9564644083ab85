"""Loading a user by primary key with a SELECT compiled once per model and database (the
release's module name; the loader itself is ``auth.users``, used by every default user load)."""

from __future__ import annotations

from .users import _compiled_pk_query as _compiled_pk_query  # the release's plan lookup
from .users import load_user_by_pk_sync

__all__ = ["load_user_by_pk_sync"]
