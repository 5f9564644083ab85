"""django_bolt.auth.jwt_utils: CurrentUser / OptionalCurrentUser dependencies, get_auth_context,
extract_user_id_from_context, and the release's keys in request.context."""

import pytest
from django.contrib.auth import get_user_model
from django_bolt import BoltAPI, CurrentUser, OptionalCurrentUser, Request, get_auth_context
from django_bolt.auth import APIKeyAuthentication, JWTAuthentication, create_jwt_for_user
from django_bolt.auth.jwt_utils import extract_user_id_from_context

from .conftest import bearer, claims, pyjwt_token

pytestmark = [
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
    pytest.mark.django_db(transaction=True),
]


def test_current_user_dependencies(client_for):
    user = get_user_model().objects.create_user("cu", password="pw")
    api = BoltAPI(auth=[JWTAuthentication()])

    @api.get("/required")
    async def required(user: CurrentUser) -> dict:
        return {"username": user.username}

    @api.get("/optional")
    def optional(user: OptionalCurrentUser) -> dict:
        return {"username": None if user is None else user.username}

    client = client_for(api)
    token = bearer(create_jwt_for_user(user))
    assert client.get("/required", headers=token).json() == {"username": "cu"}
    assert client.get("/optional", headers=token).json() == {"username": "cu"}
    assert client.get("/required").status_code == 401
    assert client.get("/optional").json() == {"username": None}
    # A valid token for a user that does not exist: no user, so 401 / None.
    ghost = bearer(pyjwt_token(claims(sub="999999")))
    assert client.get("/required", headers=ghost).status_code == 401
    assert client.get("/optional", headers=ghost).json() == {"username": None}


def test_context_has_the_release_keys_next_to_the_claims(client_for):
    user = get_user_model().objects.create_user("ctx", password="pw", is_staff=True)
    api = BoltAPI(auth=[JWTAuthentication(), APIKeyAuthentication(api_keys={"k1"})])

    @api.get("/ctx")
    async def ctx(request: Request) -> dict:
        return {
            "context": request.context,
            "auth": get_auth_context(request),
            "user_id": extract_user_id_from_context(request),
        }

    client = client_for(api)
    token = create_jwt_for_user(user, extra_claims={"tenant": "t"})
    body = client.get("/ctx", headers=bearer(token)).json()
    context = body["context"]
    assert context["sub"] == context["user_id"] == str(user.pk) == body["user_id"]
    assert (context["is_staff"], context["is_superuser"], context["auth_backend"]) == (True, False, "jwt")
    assert context["permissions"] == [] and context["tenant"] == "t"
    assert context["auth_claims"]["tenant"] == "t" and "auth_backend" not in context["auth_claims"]
    assert body["auth"] == {
        "user_id": str(user.pk),
        "is_staff": True,
        "is_superuser": False,
        "auth_backend": "jwt",
        "permissions": [],
        "auth_claims": context["auth_claims"],
    }

    key = client.get("/ctx", headers={"X-API-Key": "k1"}).json()
    assert key["context"]["auth_backend"] == "api_key" and "auth_claims" not in key["context"]
    assert key["auth"]["auth_backend"] == "api_key" and key["auth"]["is_staff"] is False


def test_helpers_accept_a_plain_mapping():
    request = {"context": {"user_id": 12, "is_superuser": True, "auth_backend": "jwt", "permissions": ("a",)}}
    assert extract_user_id_from_context(request) == "12"
    assert get_auth_context(request) == {
        "user_id": "12",
        "is_staff": False,
        "is_superuser": True,
        "auth_backend": "jwt",
        "permissions": ["a"],
        "auth_claims": {"is_superuser": True, "permissions": ("a",)},
    }
    assert extract_user_id_from_context({}) is None
    assert get_auth_context({})["auth_backend"] is None
