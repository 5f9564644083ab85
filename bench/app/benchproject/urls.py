"""No Django URL routes: every endpoint is served by the BoltAPI in api.py."""

urlpatterns: list = []
