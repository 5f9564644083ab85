from django_bolt import BoltAPI
from django_bolt.middleware import CompressionConfig, cors, no_compress, rate_limit
from django_bolt.testing import TestClient

shop = BoltAPI(compression=CompressionConfig(backend="brotli", minimum_size=500))


@shop.get("/products")
@cors(origins=["https://shop.example"], credentials=True)
@rate_limit(rps=5, burst=2)  # per client address: 2 at once, then 5 per second
async def products():
    return {"products": ["tea"] * 200}


@shop.get("/export")
@rate_limit(rps=1, burst=1, key="x-tenant")  # one budget per X-Tenant value
@no_compress
async def export():
    return {"rows": []}


client = TestClient(shop)
pre = client.options("/products", headers={"origin": "https://shop.example", "access-control-request-method": "GET"})
assert pre.status_code == 204 and pre.headers["access-control-allow-credentials"] == "true"

ok = client.get("/products", headers={"origin": "https://shop.example", "accept-encoding": "gzip"})
assert ok.headers["content-encoding"] == "gzip"  # brotli not accepted: gzip fallback
assert ok.headers["access-control-allow-origin"] == "https://shop.example"
assert client.get("/products").status_code == 200
limited = client.get("/products", headers={"origin": "https://shop.example"})
assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
assert limited.headers["access-control-allow-origin"] == "https://shop.example"
assert "access-control-allow-origin" not in client.get("/export", headers={"origin": "https://evil.example"}).headers

assert client.get("/export", headers={"x-tenant": "a"}).status_code == 200
assert client.get("/export", headers={"x-tenant": "a"}).status_code == 429
assert client.get("/export", headers={"x-tenant": "b"}).status_code == 200
