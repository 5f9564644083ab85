"""BOLT_EVENT_LOOP: "auto" is our lock-guarded BoltEventLoop even where uvloop is installed (it costs
a thread hop per async request under uvloop, docs/notes/rloop.md); uvloop only when named."""

import asyncio
import sys
import types

import pytest
from django_bolt import _runtime


@pytest.fixture
def uvloop_module(monkeypatch):
    """The installed uvloop; where it is not installed, an importable module of that name whose
    loops are plain asyncio loops, so the choice is tested in every environment."""
    try:
        import uvloop
    except ImportError:
        uvloop = types.ModuleType("uvloop")
        uvloop.new_event_loop = asyncio.SelectorEventLoop  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "uvloop", uvloop)
    return uvloop


@pytest.mark.parametrize("kind", ["auto", "asyncio"])
def test_auto_and_asyncio_give_the_bolt_loop_even_with_uvloop_importable(uvloop_module, kind):
    loop = _runtime._new_loop(kind)
    try:
        assert type(loop) is _runtime.BoltEventLoop
        assert _runtime.locked_loop(loop) is not None  # Rust may step handlers under its lock
    finally:
        loop.close()


def test_uvloop_is_used_when_named(uvloop_module):
    loop, reference = _runtime._new_loop("uvloop"), uvloop_module.new_event_loop()
    try:
        assert type(loop) is type(reference)
        assert not isinstance(loop, _runtime.BoltEventLoop)
        assert _runtime.locked_loop(loop) is None  # tasks start on the loop thread instead
    finally:
        loop.close()
        reference.close()
