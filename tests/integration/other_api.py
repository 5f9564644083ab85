from django_bolt import BoltAPI

api = BoltAPI()
not_an_api = object()


@api.get("/other")
async def other():
    return {"other": True}
