"""schemathesis against the example project served by a real ``runbolt``: every operation of its
document, a bounded number of generated requests each, checked for server errors, undocumented
statuses and content types, and response bodies that break their schema."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from tests.openapi.conftest import EXAMPLE_KEY

#: Per operation, and for the whole run (seconds): bounded well under the suite's time limits.
MAX_EXAMPLES = 20
MAX_TIME = 30
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def test_schemathesis_finds_nothing_against_the_example_project(example_server, tmp_path):
    pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install django-bolt[test])")
    document = httpx.get(f"{example_server.url}/docs/openapi.json", timeout=5).json()
    operations = sum(len(item) for item in document["paths"].values())
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-c",
        "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'st'; sys.exit(schemathesis())",
        "run",
        f"{example_server.url}/docs/openapi.json",
        "--url",
        example_server.url,
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_TIME),
        "--seed",
        "20261205",
        "--generation-database",
        "none",
        "--request-timeout",
        "5",
        "--workers",
        "2",
        # The secured route: reached with its key (its 401 is covered by test_example_project).
        "--header",
        f"X-API-Key: {EXAMPLE_KEY}",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=MAX_TIME + 60, cwd=tmp_path)
    assert report.exists(), f"schemathesis wrote no report:\n{run.stdout}\n{run.stderr}"
    result = json.loads(report.read_text())
    figures = (
        f"schemathesis: {result['operations']['tested']}/{operations} operations, "
        f"{result['test_cases']['generated']} requests, {len(result['failures'])} failures, "
        f"{result['running_time']:.0f}s"
    )
    print(figures)
    assert run.returncode == 0 and not result["failures"] and not result["errors"], f"{figures}\n{run.stdout}"
    assert result["operations"]["tested"] == operations
    assert "Traceback" not in example_server.output()


def test_example_project_documents_tags_and_its_secured_route(example_server):
    client = httpx.Client(base_url=example_server.url, timeout=5)
    document = client.get("/docs/openapi.json").json()
    # Made in the server process, so not among the session's documents: checked here.
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed")
    validator.validate(document)
    assert [t["name"] for t in document["tags"]] == ["notes", "admin"]
    stats = document["paths"]["/stats"]["get"]
    assert stats["security"] == [{"ApiKeyAuth": []}]
    assert document["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
    }
    assert client.get("/stats").status_code == 401 and "401" in stats["responses"]
    allowed = client.get("/stats", headers={"X-API-Key": EXAMPLE_KEY})
    assert allowed.status_code == 200 and set(allowed.json()) == {"notes", "done"}
    client.close()
