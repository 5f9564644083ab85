"""A project URLconf with no views: the mounted URLconf is the one that serves."""

urlpatterns: list = []
