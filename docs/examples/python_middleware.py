from django.http import Http404, HttpResponse
from django_bolt import BoltAPI, Request, Router
from django_bolt.middleware import BaseMiddleware, TimingMiddleware, middleware, skip_middleware
from django_bolt.testing import TestClient


class RequireTenant(BaseMiddleware):
    """Sees the request first, the response last; may answer by itself."""

    exclude_paths = ["/reports/public/*"]

    async def process_request(self, request):
        tenant = request.headers.get("x-tenant")
        if tenant is None:
            return HttpResponse("tenant header missing", status=400, content_type="text/plain")
        request.state["tenant"] = tenant
        response = await self.get_response(request)
        response.headers["X-Tenant"] = tenant
        return response


class Stamp:
    """A Django-style class: a sync __call__ works too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers["X-Stamp"] = "yes"
        return response


app = BoltAPI(
    middleware=[TimingMiddleware],  # around every route of this API
    django_middleware=[  # Django's own classes, with request.session and request.user
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
)
reports = Router(prefix="/reports", middleware=[RequireTenant])


@reports.get("/daily")
@middleware(Stamp)  # only this route
async def daily(request: Request) -> dict:
    user = await request.auser()  # from the session cookie, loaded without blocking the loop
    return {"tenant": request.state["tenant"], "user": user.username or None}


@reports.get("/public/summary")
def summary() -> dict:
    return {"open": True}


@app.get("/ping")
@skip_middleware("TimingMiddleware", "SessionMiddleware", "AuthenticationMiddleware")
async def ping() -> dict:
    return {"pong": True}


@app.get("/pages/{slug}")
async def page(slug: str):
    if slug != "about":
        raise Http404("No such page")  # -> 404 {"detail": "No such page"}
    return HttpResponse("<h1>About</h1>", content_type="text/html")  # sent as it is


app.include_router(reports)
client = TestClient(app)

refused = client.get("/reports/daily")
assert (refused.status_code, refused.text) == (400, "tenant header missing")
daily_response = client.get("/reports/daily", headers={"x-tenant": "acme"})
assert daily_response.json() == {"tenant": "acme", "user": None}
assert daily_response.headers["x-tenant"] == "acme" and daily_response.headers["x-stamp"] == "yes"
assert "x-response-time" in daily_response.headers  # TimingMiddleware
assert client.get("/reports/public/summary").json() == {"open": True}  # excluded path
assert "x-response-time" not in client.get("/ping").headers
assert client.get("/pages/about").text == "<h1>About</h1>"
assert client.get("/pages/contact").json() == {"detail": "No such page"}
