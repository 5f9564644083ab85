"""A URLconf of plain Django views for ``mount_django(prefix, urlconf="tests.mounts.django_views")``."""

from __future__ import annotations

import json
import os

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def echo(request):
    return HttpResponse(
        json.dumps(
            {
                "method": request.method,
                "path": request.path,
                "path_info": request.path_info,
                "script_name": request.META.get("SCRIPT_NAME", ""),
                "query": request.GET.dict(),
                "form": request.POST.dict(),
                "cookies": request.COOKIES,
                "header": request.headers.get("X-Thing"),
                "host": request.get_host(),
                "remote_addr": request.META.get("REMOTE_ADDR"),
                "secure": request.is_secure(),
            }
        ),
        content_type="application/json",
    )


def cookies(request):
    response = HttpResponse("made", status=201, content_type="text/plain")
    response["X-Custom"] = "yes"
    response.set_cookie("first", "1", httponly=True)
    response.set_cookie("second", "2", samesite="Strict")
    return response


async def _parts():
    for i in range(3):
        yield f"part{i};"


def stream(request):
    return StreamingHttpResponse(_parts(), content_type="text/plain")


def download(request):
    return FileResponse(open(os.path.join(settings.BOLT_TEST_FILES_ROOT, "mount-download.txt"), "rb"))


def go_home(request):
    return HttpResponseRedirect(reverse("mount-echo"))


def missing(request):
    raise Http404("no such thing")


urlpatterns = [
    path("echo/", echo, name="mount-echo"),
    path("cookies/", cookies),
    path("stream/", stream),
    path("download/", download),
    path("home/", go_home),
    path("missing/", missing),
]
