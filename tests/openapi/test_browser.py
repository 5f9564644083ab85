"""A real browser: headless Chromium loads the example project's docs pages from its runbolt server,
with every other host unreachable (so Swagger UI and ReDoc can only use the assets the server serves
itself, django-bolt[docs]), and the rendered DOM must show every operation of the document."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import httpx
import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Virtual time the page may spend loading and rendering (it runs faster than wall time).
RENDER_BUDGET_MS = 15000


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    reason = "no Chromium found (Debian: apt-get install chromium; ci/test.sh installs it)"
    if os.environ.get("BOLT_REQUIRE_CHROMIUM") == "1":
        pytest.fail(reason + " but BOLT_REQUIRE_CHROMIUM=1")
    print(f"SKIP: {reason}")
    pytest.skip(reason)


def dump_dom(url: str, tmp_path) -> str:
    command = [
        browser(),
        "--headless",
        "--no-sandbox",  # runs as root in CI containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        # Every host but the server's own fails to resolve: no CDN can stand in for missing assets.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--virtual-time-budget={RENDER_BUDGET_MS}",
        "--dump-dom",
        url,
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, f"chromium exited {run.returncode}:\n{run.stderr[-3000:]}"
    return run.stdout


@pytest.fixture(scope="module")
def document(example_server) -> dict:
    return httpx.get(f"{example_server.url}/docs/openapi.json", timeout=5).json()


def test_swagger_ui_renders_every_operation_from_local_assets(example_server, document, tmp_path):
    pytest.importorskip("drf_spectacular_sidecar", reason="the django-bolt[docs] extra is not installed")
    page = httpx.get(f"{example_server.url}/docs", timeout=5).text
    assert "/docs/assets/" in page and "cdn.jsdelivr.net" not in page
    dom = dump_dom(f"{example_server.url}/docs", tmp_path)
    # Swagger UI draws one block per operation, with its method and path.
    rendered = set(re.findall(r'class="opblock opblock-(\w+)[^"]*".*?data-path="([^"]+)"', dom, re.S))
    expected = {(method, path) for path, item in document["paths"].items() for method in item}
    assert rendered == expected, f"rendered {sorted(rendered)}; the document has {sorted(expected)}"
    assert "Notes API" in dom
    for tag in ("notes", "admin"):
        assert f'data-tag="{tag}"' in dom


def test_redoc_renders_every_operation_from_local_assets(example_server, document, tmp_path):
    pytest.importorskip("drf_spectacular_sidecar", reason="the django-bolt[docs] extra is not installed")
    dom = dump_dom(f"{example_server.url}/docs/redoc", tmp_path)
    summaries = [op["summary"] for item in document["paths"].values() for op in item.values()]
    missing = [s for s in summaries if s.replace('"', "&quot;") not in dom]
    assert not missing, f"ReDoc did not render {missing}"
