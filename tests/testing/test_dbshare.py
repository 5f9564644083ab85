"""The test's connection, shared with the handler threads, is used by one thread at a time; a
thread that keeps it too long, or a second thread's client, is a named error."""

from __future__ import annotations

import threading
import warnings

import pytest
from django.db import connection, connections
from django_bolt import BoltAPI
from django_bolt.testing import BoltTestClientWarning, SharedTestConnectionError, TestClient
from django_bolt.testing import client as client_module
from django_bolt.testing.dbshare import DEFAULT_LOCK_TIMEOUT, lock_timeout

from tests.testapp.models import Article

api = BoltAPI()


@api.get("/count")
async def count() -> dict:
    return {"n": await Article.objects.acount()}


@pytest.mark.django_db
def test_threads_of_the_test_and_handlers_take_turns_on_the_connection():
    Article.objects.bulk_create(Article(title=f"a{i}") for i in range(10))
    errors: list[str] = []
    stop = threading.Event()

    def query_in_a_loop():
        while not stop.is_set():
            try:
                assert Article.objects.count() == 10
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))

    with TestClient(api) as client:
        threads = [threading.Thread(target=query_in_a_loop) for _ in range(3)]
        for thread in threads:
            thread.start()
        answers = {client.get("/count").text for _ in range(40)}
        stop.set()
        for thread in threads:
            thread.join(10)
    assert (errors, answers) == ([], {'{"n":10}'})


@pytest.mark.django_db
def test_a_request_inside_an_open_iterator_of_the_test():
    Article.objects.bulk_create(Article(title=f"a{i}") for i in range(6))
    with TestClient(api) as client:
        seen = [(a.title, client.get("/count").json()["n"]) for a in Article.objects.iterator(chunk_size=2)]
    assert seen == [(f"a{i}", 6) for i in range(6)]


@pytest.mark.django_db
def test_a_cursor_kept_by_another_thread_is_a_named_error(monkeypatch):
    monkeypatch.setenv("DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT", "0.3")
    Article.objects.bulk_create(Article(title=f"a{i}") for i in range(4))
    holding, done = threading.Event(), threading.Event()

    def keep_a_cursor_open():
        for _ in Article.objects.iterator(chunk_size=1):
            holding.set()
            done.wait(10)
            return

    with TestClient(api) as client:
        keeper = threading.Thread(target=keep_a_cursor_open)
        keeper.start()
        assert holding.wait(10)
        with pytest.raises(SharedTestConnectionError, match="holds a cursor open") as raised:
            client.get("/count")
        done.set()
        keeper.join(10)
        assert client.get("/count").json() == {"n": 4}  # usable again once the thread let go
    assert "share_db_connection=False" in str(raised.value)
    assert "DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT" in str(raised.value)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_the_lock_timeout_must_be_a_finite_positive_number(monkeypatch, value):
    monkeypatch.setenv("DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT", value)
    with pytest.raises(ValueError, match="DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT"):
        lock_timeout()


def test_the_lock_timeout_default_and_value(monkeypatch):
    monkeypatch.setenv("DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT", " ")
    assert lock_timeout() == DEFAULT_LOCK_TIMEOUT
    monkeypatch.setenv("DJANGO_BOLT_TEST_DB_LOCK_TIMEOUT", "2.5")
    assert lock_timeout() == 2.5


@pytest.mark.django_db
def test_a_client_of_a_second_thread_is_refused_while_one_shares():
    outcome: list[object] = []

    def second_test():
        try:
            with TestClient(api):
                outcome.append("entered")
        except SharedTestConnectionError as exc:
            outcome.append(str(exc))

    with TestClient(api) as client:
        other = threading.Thread(target=second_test)
        other.start()
        other.join(10)
        # The client itself may be used from other threads.
        used = threading.Thread(target=lambda: outcome.append(client.get("/count").status_code))
        used.start()
        used.join(10)
    assert "at the same time" in outcome[0]
    assert outcome[1] == 200


@pytest.mark.django_db
def test_the_client_puts_django_back_as_it_was():
    store, default = connections._connections, connections["default"]
    sharing = default._thread_sharing_count
    with TestClient(api):
        assert connections._connections is not store
        assert default._thread_sharing_count == sharing + 1
        assert "cursor" in vars(default)
    assert (connections._connections, default._thread_sharing_count) == (store, sharing)
    assert "cursor" not in vars(default) and "chunked_cursor" not in vars(default)
    with pytest.raises(KeyError), TestClient(api):
        raise KeyError
    assert connections._connections is store


@pytest.mark.django_db
def test_share_db_connection_false_in_a_transaction_warns_once_per_process():
    assert connection.in_atomic_block
    client_module._atomic_block_warning_emitted.clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            TestClient(api, share_db_connection=False)
            TestClient(api, share_db_connection=False)
            TestClient(api)  # sharing: nothing to advise
        advisories = [w for w in caught if issubclass(w.category, BoltTestClientWarning)]
        assert len(advisories) == 1
        assert "transaction=True" in str(advisories[0].message)
    finally:
        client_module._atomic_block_warning_emitted.clear()


def test_no_advisory_without_a_transaction():
    client_module._atomic_block_warning_emitted.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", BoltTestClientWarning)
        TestClient(api, share_db_connection=False)
    assert not client_module._atomic_block_warning_emitted.is_set()
