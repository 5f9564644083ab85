"""Python middleware and Django's responses/exceptions (tests/middleware, tests/responses; served
over a socket with BOLT_TEST_API=tests.testapp.python_middleware_api.api)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django_bolt import BoltAPI, Request, Router
from django_bolt.middleware import BaseMiddleware, TimingMiddleware, cors, middleware, skip_middleware
from django_bolt.shortcuts import render


class Tag:
    """Django-style sync middleware: marks the request and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.state["tag"] = "sync"
        response = self.get_response(request)
        response.headers["X-Tag"] = "sync"
        return response


class Order(BaseMiddleware):
    async def process_request(self, request):
        request.state.setdefault("order", []).append("api")
        response = await self.get_response(request)
        response.headers["X-Order"] = ",".join(request.state["order"])
        return response


class RouterMark(BaseMiddleware):
    async def process_request(self, request):
        request.state.setdefault("order", []).append("router")
        return await self.get_response(request)


class Gate(BaseMiddleware):
    """Answers itself (short-circuit) unless the request carries the key."""

    exclude_paths = ["/mw/open/*"]

    async def process_request(self, request):
        if request.headers.get("x-key") != "let-me-in":
            from django_bolt.responses import JSON

            return JSON({"detail": "gate closed"}, status_code=418)
        return await self.get_response(request)


async def audit(request, call_next):
    response = await call_next(request)
    response.headers["X-Audit"] = request.method
    return response


api = BoltAPI(middleware=[TimingMiddleware, Order])
router = Router(prefix="/mw/router", middleware=[RouterMark])


@api.get("/mw/async")
async def mw_async(request: Request) -> dict:
    return {"order": request.state.get("order"), "request_id": request.state.get("request_id")}


@api.get("/mw/sync")
def mw_sync(request: Request) -> dict:
    return {"order": request.state.get("order")}


@api.get("/mw/tagged")
@middleware(Tag, audit)
async def mw_tagged(request: Request) -> dict:
    return {"tag": request.state.get("tag")}


@api.get("/mw/tagged-sync")
@middleware(Tag)
def mw_tagged_sync(request: Request) -> dict:
    return {"tag": request.state.get("tag")}


@api.get("/mw/gated")
@middleware(Gate)
async def gated() -> dict:
    return {"passed": True}


@api.get("/mw/open/thing")
@middleware(Gate)
async def open_thing() -> dict:
    return {"passed": True}


@api.get("/mw/skipped")
@skip_middleware("TimingMiddleware", "tests.testapp.python_middleware_api.Order")
async def skipped() -> dict:
    return {"skipped": True}


@api.get("/mw/none")
@skip_middleware("*")
async def none() -> dict:
    return {"none": True}


@api.get("/mw/created", status_code=201)
async def created() -> str:
    return "made"


@api.get("/mw/fails")
async def fails() -> dict:
    raise Http404("no such thing")


@router.get("/hello")
async def routed(request: Request) -> dict:
    return {"order": request.state.get("order")}


api.include_router(router)

# ---------------------------------------------------------------- Django responses and exceptions

plain = BoltAPI()


@plain.get("/dj/http-response")
async def http_response():
    response = HttpResponse("Hello", status=201, content_type="text/plain")
    response["X-Custom"] = "yes"
    response.set_cookie("flavour", "oat", httponly=True)
    return response


@plain.get("/dj/json")
def json_response():
    return JsonResponse({"a": 1}, status=202)


@plain.get("/dj/redirect")
async def redirect():
    return HttpResponseRedirect("/dj/json")


@plain.get("/dj/stream")
def stream():
    return StreamingHttpResponse((f"part{i};" for i in range(3)), content_type="text/plain")


@plain.get("/dj/astream")
async def astream():
    async def parts():
        for i in range(3):
            yield f"a{i};"

    return StreamingHttpResponse(parts(), content_type="text/plain")


@plain.get("/dj/file")
def file_response():
    return FileResponse(open(__file__, "rb"), as_attachment=True, filename="source.py")


@plain.get("/dj/404")
async def not_found():
    raise Http404("No such pony")


@plain.get("/dj/403")
def denied():
    raise PermissionDenied


@plain.get("/dj/400")
async def suspicious():
    raise SuspiciousOperation("bad host games")


@plain.get("/dj/422")
async def invalid():
    raise ValidationError("Enter a whole number.")


@plain.get("/dj/422-fields")
def invalid_fields():
    raise ValidationError({"age": ["Too young."]})


@plain.get("/dj/cors-404")
@cors(origins=["https://app.example"])
async def cors_not_found():
    raise Http404


@plain.get("/dj/render")
def rendered(request: Request):
    return render(request, "bolt_mw/hello.html", {"name": "Ada"})


@plain.get("/dj/meta")
async def meta(request: Request) -> dict:
    keys = ["REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT", "CONTENT_TYPE"]
    return {
        **{k: request.META.get(k) for k in keys},
        "HTTP_X_THING": request.META.get("HTTP_X_THING"),
        "REMOTE_ADDR": request.META.get("REMOTE_ADDR"),
        "wsgi.url_scheme": request.META.get("wsgi.url_scheme"),
    }


@plain.post("/dj/form")
def form(request: Request) -> dict:
    upload = request.files.get("doc")
    return {
        "name": request.form.get("name"),
        "tags": request.form.getlist("tag"),
        "file": None if upload is None else [upload.name, upload.read().decode()],
    }


api.mount("", plain)
