"""Fixtures, imported by the conftest of the tests that use them. ``site``: runbolt serving
tests.django_site (the admin, a Django view, a bolt API with a mounted ASGI app and lifespan
hooks) over a real socket, with a migrated database holding an admin user and two articles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.server.conftest import REPO, ServerProcess, _base_env, launch

SETTINGS = "tests.django_site.settings"
ADMIN_PASSWORD = "bolt-admin-pw-9"

# One process migrates and seeds (each Django start costs a second or two).
_SEED = f"""
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
from django.contrib.auth.models import User
from tests.testapp.models import Article
User.objects.create_superuser("admin", "admin@example.com", {ADMIN_PASSWORD!r})
Article.objects.create(title="First article")
Article.objects.create(title="Second article")
"""


def _manage(db_path: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "django", *args, "--settings", SETTINGS],
        cwd=REPO,
        env=_base_env(db_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def site_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db_path = tmp_path_factory.mktemp("site-db") / "site.sqlite3"
    _manage(db_path, "shell", "-c", _SEED)
    return db_path


@pytest.fixture(scope="session")
def media_root() -> Iterator[Path]:
    """MEDIA_ROOT with one uploaded file (it must exist before the server starts)."""
    root = Path(settings.BOLT_TEST_FILES_ROOT) / "media"
    (root / "uploads").mkdir(parents=True, exist_ok=True)
    (root / "uploads" / "note.txt").write_bytes(b"uploaded by a user\n")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def start_site(
    site_db: Path, media_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., ServerProcess]]:
    """Starts runbolt on the Django site (DEBUG: the admin's static files come from the finders)."""
    logs = tmp_path_factory.mktemp("site-logs")
    started: list[ServerProcess] = []

    def start(*args: str, **env: str) -> ServerProcess:
        server = launch(
            site_db, logs, {"BOLT_TEST_DEBUG": "1", **env}, name="site", args=["--settings", SETTINGS, *args]
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def site(start_site: Callable[..., ServerProcess]) -> ServerProcess:
    return start_site()
