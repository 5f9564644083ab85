import pytest
from django_bolt import BoltAPI
from django_bolt.testing import TestClient


@pytest.fixture
def api() -> BoltAPI:
    return BoltAPI()


@pytest.fixture
def client_for():
    """``client_for(api)``: an in-process client that is closed after the test."""
    clients = []

    def make(api: BoltAPI, **kwargs) -> TestClient:
        client = TestClient(api, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
