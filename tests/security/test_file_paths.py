"""FileResponse/File without BOLT_ALLOWED_FILE_PATHS: a path built from user input cannot climb out
of its directory (`..` components and NUL bytes are a 403); with the setting, root confinement
applies as before (tests/streaming/test_files.py)."""

from __future__ import annotations

import os

import pytest
from django_bolt import BoltAPI
from django_bolt.conf import BoltConfig
from django_bolt.responses import File, FileResponse
from django_bolt.testing import TestClient


@pytest.fixture
def public_dir(tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    (public / "report.txt").write_text("public report")
    (public / "v1..v2.txt").write_text("dots inside a name")
    (tmp_path / "secret.txt").write_text("secret")
    return public


@pytest.fixture
def client(public_dir):
    api = BoltAPI()

    @api.get("/download")
    async def download(name: str) -> FileResponse:
        return FileResponse(os.path.join(public_dir, name))

    @api.get("/inline")
    async def inline(name: str) -> File:
        return File(os.path.join(public_dir, name))

    config = BoltConfig.build(allowed_file_paths=None)
    assert config.allowed_file_paths is None
    return TestClient(api.compile(config))


@pytest.mark.parametrize("route", ["/download", "/inline"])
def test_files_in_the_directory_are_served(client, route):
    assert client.get(route, params={"name": "report.txt"}).text == "public report"
    assert client.get(route, params={"name": "v1..v2.txt"}).text == "dots inside a name"


@pytest.mark.parametrize("route", ["/download", "/inline"])
@pytest.mark.parametrize(
    "name",
    ["../secret.txt", "../../../../../../etc/passwd", "sub/../../secret.txt", "./../secret.txt", "report.txt/.."],
)
def test_parent_components_are_refused(client, route, name):
    r = client.get(route, params={"name": name})
    assert r.status_code == 403, (name, r.status_code, r.content[:40])
    assert r.json() == {"detail": "File path is not allowed"}


def test_nul_is_refused(client):
    r = client.get("/download", params={"name": "report.txt\x00.png"})
    assert r.status_code == 403 and b"public report" not in r.content
