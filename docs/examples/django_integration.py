from contextlib import asynccontextmanager

from django.http import HttpResponse
from django.urls import path, reverse
from django_bolt import BoltAPI, Router
from django_bolt.testing import TestClient
from django_bolt.urls import build_urlpatterns


@asynccontextmanager
async def lifespan(api):
    api.warm = True  # startup: open pools, warm caches (on the handlers' event loop)
    yield
    api.warm = False  # shutdown, after the last request


api = BoltAPI(lifespan=lifespan)
books = Router(prefix="/books", namespace="books")


@books.get("/{book_id}", name="detail")
async def book(book_id: int) -> dict:
    return {"id": book_id, "url": reverse("books:detail", urlconf=BoltNames, args=[book_id])}


api.include_router(books)


def legacy_page(request):  # a plain Django view: real HttpRequest, real HttpResponse
    response = HttpResponse(f"legacy {request.path_info} under {request.META['SCRIPT_NAME']}")
    response.set_cookie("seen", "yes")
    return response


async def tiny_asgi_app(scope, receive, send):  # any ASGI app
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"asgi at " + scope["path"].encode()})


class LegacyUrls:  # a URLconf: a module (or its dotted path) or any object with urlpatterns
    urlpatterns = [path("page/", legacy_page)]


class BoltNames:  # in a project: path("", include("django_bolt.urls")) in ROOT_URLCONF
    urlpatterns = build_urlpatterns(api)


api.mount_django("/legacy", urlconf=LegacyUrls)  # Django views for the paths under /legacy
api.mount_asgi("/asgi", tiny_asgi_app)

with TestClient(api) as client:  # `with` runs the lifespan
    assert api.warm
    assert client.get("/books/7").json() == {"id": 7, "url": "/books/7"}
    page = client.get("/legacy/page/")
    assert page.text == "legacy /page/ under /legacy"
    assert page.cookies["seen"] == "yes"
    assert client.get("/asgi/x").text == "asgi at /asgi/x"
assert not api.warm
