# tests/test_groups.py of a project that uses pytest-django
import pytest
from django.contrib.auth.models import Group
from django_bolt import BoltAPI
from django_bolt.testing import TestClient

api = BoltAPI()


@api.get("/groups")
async def groups() -> list[str]:
    return [group.name async for group in Group.objects.order_by("name")]


@pytest.mark.django_db  # a plain test: its transaction is rolled back, never committed
def test_the_handler_reads_the_tests_rows():
    Group.objects.create(name="editors")
    with TestClient(api) as client:
        assert client.get("/groups").json() == ["editors"]
