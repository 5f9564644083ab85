from django_bolt.testing import TestClient

from docs.examples.quickstart import api  # the quick start above

client = TestClient(api)
assert client.get("/books/1").json() == {"id": 1, "title": "Dune", "fields": None}
assert client.get("/books/7").status_code == 404
created = client.post("/books", json={"title": "Emma", "year": 1815}, headers={"user-agent": "docs"})
assert created.status_code == 201 and created.json()["by"] == "docs"
invalid = client.post("/books", json={"title": 5})
assert invalid.status_code == 422
assert [e["loc"] for e in invalid.json()["detail"]] == [["body", "title"], ["body", "year"]]
