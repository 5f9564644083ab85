"""Small decisions of ``runbolt``: the URL it prints, its default thread count, what ``--dev``
watches (the release's helper names, importable from the command module)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

#: Addresses that mean "every interface": no browser can open them, so ``--dev`` prints loopback.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"})


def _display_host(host: str, *, dev_mode: bool) -> str:
    """The host to print in the banner: loopback for a wildcard bind under ``--dev``."""
    if dev_mode and host in WILDCARD_HOSTS:
        return "127.0.0.1"
    return host


def _build_display_url(host: str, port: int, *, dev_mode: bool, path: str = "") -> str:
    shown = _display_host(host, dev_mode=dev_mode)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 literal in a URL
    return f"http://{shown}:{port}{path}"


def gil_enabled() -> bool:
    """False only on a free-threaded CPython running without the GIL."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return is_enabled is None or bool(is_enabled())


def default_worker_threads() -> int:
    """Rust worker threads per process when ``--workers``/``BOLT_WORKERS`` is not given: one under
    the GIL (more would only wait for it), the CPU count on a free-threaded interpreter."""
    return 1 if gil_enabled() else os.cpu_count() or 1


def _collapse_watch_paths(paths: Iterable[Path]) -> list[Path]:
    """The paths to watch, sorted, without those inside another one (a recursive watch of the
    outer one sees them already)."""
    kept: list[Path] = []
    for path in sorted({Path(p) for p in paths}, key=lambda p: (len(p.parts), str(p))):
        if not any(path == outer or outer in path.parents for outer in kept):
            kept.append(path)
    return sorted(kept, key=str)
