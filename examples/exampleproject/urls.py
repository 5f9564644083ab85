"""Django URLconf.

The HTTP API lives in exampleproject/api.py; `manage.py runbolt` serves this URLconf for the paths
no API route matches: the admin at /admin/. ``django_bolt.urls`` adds the API's route names for
``reverse()`` and ``{% url %}`` (``reverse("get_note", args=[1])`` is ``/notes/1``).
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("django_bolt.urls")),
]
