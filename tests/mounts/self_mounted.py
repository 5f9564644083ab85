"""A module that is its own URLconf, mounted by dotted path, and answers a request while it is still
being imported (as a README example or a script does): the mount must not wait for the import."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from django_bolt import BoltAPI
from django_bolt.testing import TestClient


def hello(request):
    return HttpResponse(f"hello from {request.path}")


urlpatterns = [path("hello/", hello)]

api = BoltAPI()
api.mount_django("/site", urlconf=__name__)

with TestClient(api) as client:
    ANSWER = client.get("/site/hello/")
