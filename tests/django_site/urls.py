"""The project's URLconf: the admin (Article registered), a Django view, bolt's route names."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from tests.testapp.models import Article

if not admin.site.is_registered(Article):
    admin.site.register(Article, list_display=["title", "published"])


def django_page(request):
    return HttpResponse(f"django view for {request.user}", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("page/", django_page, name="django-page"),
    path("", include("django_bolt.urls")),
]
