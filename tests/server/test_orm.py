"""Django ORM (async and sync) against the migrated SQLite file of the server subprocess."""

from __future__ import annotations

import threading
import uuid

from tests.server.wire import RawConnection


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_async_orm_create_then_list(client):
    title = unique("async")
    r = client.post("/articles", json={"title": title, "body": "from acreate", "published": True})
    assert r.status_code == 200, r.text
    created = r.json()
    assert isinstance(created["id"], int)
    assert created == {"id": created["id"], "title": title, "body": "from acreate", "published": True}

    listed = client.get("/articles").json()
    assert created in listed
    assert [a["id"] for a in listed] == sorted(a["id"] for a in listed)  # Meta.ordering = ["id"]
    assert client.get(f"/articles/{created['id']}").json() == created
    published = client.get("/articles", params={"published": "true"}).json()
    assert created in published and all(a["published"] for a in published)


def test_sync_orm_create_then_list(client):
    title = unique("sync")
    r = client.post("/sync/articles", json={"title": title})
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["title"] == title and created["body"] == "" and created["published"] is False
    assert created in client.get("/sync/articles").json()


def test_rows_written_by_one_side_are_read_by_the_other(client):
    a = client.post("/articles", json={"title": unique("a2s")}).json()
    s = client.post("/sync/articles", json={"title": unique("s2a")}).json()
    assert a in client.get("/sync/articles").json()
    assert s in client.get("/articles").json()


def test_orm_over_one_kept_alive_connection(server):
    titles = [unique("ka") for _ in range(4)]
    with RawConnection(server.port) as conn:
        for i, title in enumerate(titles):
            path = "/articles" if i % 2 == 0 else "/sync/articles"
            conn.request("POST", path, {"Content-Type": "application/json"}, b'{"title": "%s"}' % title.encode())
            assert conn.read_response().status == 200
        conn.request("GET", "/articles")
        got = {a["title"] for a in conn.read_response().json()}
    assert set(titles) <= got


def test_concurrent_creates_all_land(server):
    titles = [unique("conc") for _ in range(12)]
    statuses: list[int] = []
    lock = threading.Lock()

    def create(i: int, title: str) -> None:
        with server.client() as c:
            path = "/articles" if i % 2 else "/sync/articles"
            status = c.post(path, json={"title": title}).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=create, args=(i, t), daemon=True) for i, t in enumerate(titles)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert not any(t.is_alive() for t in threads)
    assert statuses == [200] * len(titles)
    with server.client() as c:
        listed = {a["title"] for a in c.get("/sync/articles").json()}
    assert set(titles) <= listed


def test_invalid_article_body_is_422_and_nothing_is_written(client):
    before = len(client.get("/articles").json())
    r = client.post("/articles", json={"body": "no title", "published": "yes"})
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["detail"]}
    assert locs == {("body", "title"), ("body", "published")}
    assert len(client.get("/articles").json()) == before
