"""The benchmark route under Django's middleware (settings.MIDDLEWARE: sessions + auth); a separate
API, so that every other endpoint runs without Python middleware."""

from django_bolt import BoltAPI

api = BoltAPI(django_middleware=True)


@api.get("/session")
def session(request):
    return {"username": request.user.username}
