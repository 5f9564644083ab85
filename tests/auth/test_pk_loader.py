"""``django_bolt.auth.pk_loader`` (the release's module name): the primary-key SELECT compiled once
per model and database that every default user load runs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, router
from django.test.utils import CaptureQueriesContext
from django_bolt.auth import pk_loader, user_loader, users

pytestmark = pytest.mark.django_db


def test_the_module_is_the_loader_of_the_default_user_loads():
    assert pk_loader.load_user_by_pk_sync is users.load_user_by_pk_sync
    assert user_loader.load_user_by_pk_sync is users.load_user_by_pk_sync


def test_the_plan_is_compiled_once_and_runs_one_select():
    model = get_user_model()
    user = model.objects.create_user("planned", password="pw")
    alias = router.db_for_read(model)
    plan = pk_loader._compiled_pk_query(model, alias)
    assert plan is not None
    assert pk_loader._compiled_pk_query(model, alias) is plan
    with CaptureQueriesContext(connection) as queries:
        loaded = pk_loader.load_user_by_pk_sync(model, str(user.pk))
    assert loaded == user
    assert loaded.username == "planned"
    assert len(queries) == 1
    # A value that is no key of the model is no user, without a query.
    with CaptureQueriesContext(connection) as queries:
        assert pk_loader.load_user_by_pk_sync(model, "not-a-key") is None
    assert len(queries) == 0
