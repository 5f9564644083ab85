"""A URLconf naming the routes of ``api`` for ``reverse()`` (tests/urls/test_reverse.py)."""

from __future__ import annotations

from django_bolt import BoltAPI, Router
from django_bolt.urls import build_urlpatterns

api = BoltAPI()


@api.get("/items/{item_id}", name="item-detail")
async def get_item(item_id: int) -> dict:
    return {"id": item_id}


@api.get("/health")
async def health_check() -> dict:
    return {}


@api.get("/files/{*rest}", name="file")
async def get_file(rest: str) -> dict:
    return {"rest": rest}


users = Router(prefix="/users", namespace="users")


@users.get("/{user_id}", name="detail")
async def user_detail(user_id: int) -> dict:
    return {}


admin_tools = Router(prefix="/tools", namespace="tools")


@admin_tools.post("/purge", name="purge")
async def purge() -> dict:
    return {}


users.include_router(admin_tools)
api.include_router(users)

v2 = BoltAPI(namespace="v2")


@v2.get("/items/{item_id}", name="item-detail")
async def get_item_v2(item_id: int) -> dict:
    return {}


api.mount("/v2", v2)

urlpatterns = build_urlpatterns(api)
