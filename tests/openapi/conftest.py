"""Every OpenAPI document any test of the session generates is recorded (``DOCUMENTS``) and checked
against the OpenAPI 3.1 specification by ``test_every_document_of_the_session_is_valid``, which this
hook runs after every other test."""

from __future__ import annotations

import json

from django_bolt.openapi.schema_generator import SchemaGenerator

#: Distinct documents by their JSON text, with the first route path of each (to name it).
DOCUMENTS: dict[str, str] = {}
LAST_TEST = "test_every_document_of_the_session_is_valid"

_generate = SchemaGenerator.generate


def _recording_generate(self, entries):
    document = _generate(self, entries)
    text = json.dumps(document, sort_keys=True, default=repr)
    DOCUMENTS.setdefault(text, next(iter(document["paths"]), "(no paths)"))
    return document


# Recording only: the generator itself runs unchanged.
SchemaGenerator.generate = _recording_generate


def pytest_collection_modifyitems(session, config, items):
    last = [item for item in items if item.name == LAST_TEST]
    items[:] = [item for item in items if item.name != LAST_TEST] + last
