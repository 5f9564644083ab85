"""Directories a test run makes outside pytest's ``tmp_path`` (shared with the server subprocesses
through the environment, so their names are chosen before any fixture runs): recorded here,
removed when the session ends (tests/conftest.py), and a run that leaves one behind fails."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

_owned: list[Path] = []


def own(path: str | Path) -> Path:
    """Records ``path`` (made now or later by a fixture) for removal at the end of the session."""
    path = Path(path)
    if path not in _owned:
        _owned.append(path)
    return path


def make(prefix: str) -> Path:
    """A new directory under the system's temporary directory, removed at the end of the session."""
    return own(tempfile.mkdtemp(prefix=prefix))


def remove_all() -> None:
    for path in _owned:
        shutil.rmtree(path, ignore_errors=True)


def leftovers() -> list[Path]:
    """The recorded directories that still exist."""
    return [path for path in _owned if path.exists()]
