"""A ModelViewSet served over a real socket: create, page through, update, delete."""

from __future__ import annotations

import uuid


def test_model_viewset_over_the_socket(client):
    name = f"author-{uuid.uuid4().hex[:8]}"
    author = client.post("/vs/authors", params={"name": name}).json()["id"]
    made = [client.post("/vs/books", json={"title": f"{name}-{i}", "pages": i, "author": author}) for i in range(3)]
    assert [r.status_code for r in made] == [201, 201, 201]
    ids = [r.json()["id"] for r in made]
    assert made[0].json()["author"] == {"id": author, "name": name}

    bad = client.post("/vs/books", json={"pages": "x"})
    assert bad.status_code == 422
    assert sorted(e["loc"][-1] for e in bad.json()["detail"]) == ["author", "pages", "title"]

    first = client.get("/vs/books", params={"page": 1}).json()
    assert first["page_size"] == 2 and first["total"] >= 3 and len(first["items"]) == 2

    patched = client.patch(f"/vs/books/{ids[1]}", json={"pages": 99})
    assert patched.status_code == 200 and patched.json()["pages"] == 99
    assert client.delete(f"/vs/books/{ids[2]}").status_code == 204
    assert client.get(f"/vs/books/{ids[2]}").status_code == 404
