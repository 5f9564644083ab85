"""Public helpers of ``Depends`` resolution; the resolution itself is compiled per route in
``_chain`` (``compile_dependency``/``dependency_stage``)."""

from __future__ import annotations

from .params import Depends


def sync_form(marker: Depends) -> Depends:
    """The marker of the sync form of ``marker``'s dependency, the one a sync handler's chain
    calls so that it needs no event loop (``get_current_user`` names ``get_current_user_sync`` as
    its ``_sync_form``); ``marker`` itself when the dependency names none."""
    variant = getattr(marker.dependency, "_sync_form", None)
    if variant is None:
        return marker
    return Depends(variant, use_cache=marker.use_cache)


__all__ = ["sync_form"]
