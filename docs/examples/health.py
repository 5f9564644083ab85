from django_bolt import BoltAPI
from django_bolt.health import register_health_checks
from django_bolt.testing import TestClient

ops = BoltAPI()
register_health_checks(ops)  # /health (liveness) and /ready (database + your checks)
ops.static("/version", {"version": "1.2.3"})  # rendered once, then served by Rust alone

client = TestClient(ops)
assert client.get("/health").json() == {"status": "ok"}
assert client.get("/version").json() == {"version": "1.2.3"}
