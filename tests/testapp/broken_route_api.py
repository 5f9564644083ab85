"""An API whose one handler cannot be served as written (a Path() parameter the path lacks): the
route-definition error tests load it through BOLT_API."""

from typing import Annotated

from django_bolt import BoltAPI
from django_bolt.params import Path

api = BoltAPI()


@api.get("/items")
async def list_items(item_id: Annotated[int, Path()]) -> dict:
    return {"item_id": item_id}
