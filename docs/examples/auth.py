import time

from django.contrib.auth import get_user_model
from django_bolt import BoltAPI, Request
from django_bolt.auth import (
    APIKeyAuthentication,
    BasePermission,
    HasPermission,
    InMemoryRevocation,
    IsAuthenticated,
    JWTAuthentication,
    Requires,
    Token,
    create_jwt_for_user,
)
from django_bolt.testing import TestClient

revoked = InMemoryRevocation()
secure = BoltAPI(auth=[JWTAuthentication(revocation_store=revoked)], guards=[IsAuthenticated()])


@secure.get("/me")
async def me(request: Request):
    user = await request.auser()  # the Django user, loaded on first use
    return {"sub": request.context["sub"], "username": user.username}


@secure.get("/reports", guards=[Requires("role", "admin", "auditor")])
async def reports():
    return {"reports": []}


class OfficeHours(BasePermission):  # runs in Python, after the Rust checks
    message = "Come back during office hours"

    def has_permission(self, request):
        return request.headers.get("x-office") == "open"


@secure.delete("/reports/{rid}", guards=[HasPermission("reports.delete"), OfficeHours()])
def delete_report(rid: int):
    return {"deleted": rid}


@secure.get(
    "/feed",
    auth=[APIKeyAuthentication(key_permissions={"svc-key-1": ["feed.read"]})],
    guards=[Requires("permissions", "feed.read")],
)
async def feed(request: Request):
    return {"key": request.context["key_id"]}


client = TestClient(secure)
anonymous = client.get("/me")
assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == 'Bearer realm="api"'

ada = get_user_model().objects.create_user("ada", password="analytical")
token = create_jwt_for_user(ada, extra_claims={"role": "auditor"})  # signed with SECRET_KEY
auth = {"Authorization": f"Bearer {token}"}
assert client.get("/me", headers=auth).json() == {"sub": str(ada.pk), "username": "ada"}
assert client.get("/reports", headers=auth).status_code == 200

clerk = Token(sub="7", exp=int(time.time()) + 60, jti="t-7", permissions=["reports.delete"]).encode()
clerk_auth = {"Authorization": f"Bearer {clerk}"}
assert client.get("/reports", headers=clerk_auth).status_code == 403
assert client.delete("/reports/3", headers=clerk_auth).json() == {"detail": "Come back during office hours"}
assert client.delete("/reports/3", headers={**clerk_auth, "x-office": "open"}).json() == {"deleted": 3}

revoked.revoke("t-7")
assert client.delete("/reports/3", headers={**clerk_auth, "x-office": "open"}).status_code == 401
assert client.get("/feed", headers={"X-API-Key": "svc-key-1"}).status_code == 200
