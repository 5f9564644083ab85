"""Discovered automatically as `api.py` of an installed app (see tests/integration)."""

from django_bolt import BoltAPI

api = BoltAPI()


@api.get("/testapp/ping")
async def ping():
    return {"app": "testapp"}
