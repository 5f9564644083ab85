"""The public description of backends and guards (``to_metadata()``, ``scheme_name``, ``repr``),
the details of refusals, and entries refused when a route is declared."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_bolt import BoltAPI, Request
from django_bolt.auth import (
    AllowAny,
    APIKeyAuthentication,
    BaseAuthentication,
    BasePermission,
    IsAuthenticated,
    JWTAuthentication,
    Requires,
    SessionAuthentication,
)

from .conftest import bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def test_jwt_backend_describes_its_configuration():
    auth = JWTAuthentication(secret="s3cret", algorithms=["HS256", "HS384"], header="X-Token", audience="app")
    assert auth.scheme_name == "jwt"
    meta = auth.to_metadata()
    assert meta["type"] == "jwt"
    assert meta["secret"] == "s3cret"
    assert meta["algorithms"] == ["HS256", "HS384"]
    assert meta["header"] == "x-token"
    assert meta["audience"] == "app"  # one value as written, several as a list
    assert meta["issuer"] is None
    assert JWTAuthentication(secret="s", issuer=["a", "b"]).to_metadata()["issuer"] == ["a", "b"]


def test_jwt_backend_metadata_names_the_public_key_and_the_settings_secret(keys, settings):
    public = keys["rsa"][1]
    assert JWTAuthentication(public_key=public, algorithms=["RS256"]).to_metadata()["secret"] == public
    assert JWTAuthentication().to_metadata()["secret"] == settings.SECRET_KEY


def test_api_key_and_session_backends_describe_their_configuration(settings):
    auth = APIKeyAuthentication(api_keys=["k1"], key_permissions={"k2": ["a.view"]}, header="X-Key")
    assert auth.scheme_name == "api_key"
    assert auth.to_metadata() == {
        "type": "api_key",
        "api_keys": ["k1", "k2"],
        "header": "x-key",
        "key_permissions": {"k2": ["a.view"]},
    }
    session = SessionAuthentication(csrf=False, login_url="/login/")
    assert session.scheme_name == "session"
    assert session.to_metadata() == {
        "type": "session",
        "cookie": settings.SESSION_COOKIE_NAME,
        "csrf": False,
        "login_url": "/login/",
    }


def test_a_custom_backend_is_named_by_its_class():
    class HeaderAuth(BaseAuthentication):
        def authenticate(self, request):
            return None

    assert HeaderAuth().scheme_name == "HeaderAuth"
    assert HeaderAuth().to_metadata() == {"type": "HeaderAuth"}


@pytest.mark.parametrize(
    ("guard", "expected"),
    [
        (AllowAny(), {"type": "allow_any"}),
        (IsAuthenticated(), {"type": "is_authenticated"}),
        (
            Requires("role", "a", "b"),
            {"type": "requires", "claim": "role", "values": ["a", "b"], "quantifier": 0, "message": None},
        ),
        (
            Requires("perms", all_of=["x"], message="no"),
            {"type": "requires", "claim": "perms", "values": ["x"], "quantifier": 1, "message": "no"},
        ),
        (
            Requires("role", none_of=["banned"]),
            {"type": "requires", "claim": "role", "values": ["banned"], "quantifier": 2, "message": None},
        ),
        (
            Requires("tenant"),
            {"type": "requires", "claim": "tenant", "values": [], "quantifier": 0, "message": None},
        ),
    ],
)
def test_guards_describe_their_check(guard, expected):
    assert guard.to_metadata() == expected


def test_quantifier_numbers_are_the_release_constants():
    from django_bolt.auth.guards import GUARD_TYPES, QUANT_ALL, QUANT_ANY, QUANT_NONE
    from django_bolt.middleware import compiler

    assert (QUANT_ANY, QUANT_ALL, QUANT_NONE) == (0, 1, 2)
    assert Requires("r", "a", "b").to_metadata()["quantifier"] == QUANT_ANY
    assert Requires("r", all_of=["a"]).to_metadata()["quantifier"] == QUANT_ALL
    assert Requires("r", none_of=["a"]).to_metadata()["quantifier"] == QUANT_NONE
    # The built-in guards, the ones checked in Rust; custom guards are the other BasePermissions.
    assert compiler.GUARD_TYPES is GUARD_TYPES
    assert set(GUARD_TYPES) == {AllowAny, IsAuthenticated, Requires}


def test_a_custom_guard_is_described_by_its_class():
    class Weekdays(BasePermission):
        def has_permission(self, request):
            return True

    assert Weekdays().to_metadata() == {"type": "custom", "class": f"{__name__}.{Weekdays.__qualname__}"}


def test_requires_repr_is_the_call_that_builds_it():
    assert repr(Requires("role", "client")) == "Requires('role', 'client')"
    assert repr(Requires("tenant")) == "Requires('tenant')"
    assert repr(Requires("p", all_of=["a", "b"])) == "Requires('p', all_of=['a', 'b'])"
    assert repr(Requires("r", none_of=["x"], message="m")) == "Requires('r', none_of=['x'], message='m')"


def test_refusal_details(client_for):
    api = BoltAPI(auth=[JWTAuthentication()])

    @api.get("/client", guards=[Requires("role", "client")])
    def client_only(request: Request) -> dict:
        return {}

    client = client_for(api)
    anonymous = client.get("/client")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Authentication required"}
    # The default 403 detail does not tell the caller which claim the route reads.
    denied = client.get("/client", headers=bearer(pyjwt_token(claims(role="vendor"))))
    assert denied.status_code == 403
    assert denied.json() == {"detail": "Permission denied"}


@pytest.mark.parametrize("entry", [object(), 42, dict])
def test_an_auth_entry_that_is_not_a_backend_is_refused_when_declared(entry):
    api = BoltAPI()
    with pytest.raises(ImproperlyConfigured, match="not an authentication backend"):

        @api.get("/x", auth=[entry])
        def x() -> dict:
            return {}


@pytest.mark.parametrize("entry", [object(), lambda request: True, dict])
def test_a_guard_entry_that_is_not_a_guard_is_refused_when_declared(entry):
    api = BoltAPI()
    with pytest.raises(ImproperlyConfigured, match=r"not a guard.*Requires"):

        @api.get("/x", guards=[entry])
        def x() -> dict:
            return {}


@pytest.mark.parametrize("builtin", [AllowAny, IsAuthenticated, Requires])
def test_a_builtin_guard_subclass_overriding_to_metadata_is_refused(builtin):
    class LooksOpen(builtin):
        def to_metadata(self):
            return {"type": "allow_any"}

    api = BoltAPI()
    with pytest.raises(ImproperlyConfigured, match="to_metadata"):

        @api.get("/x", guards=[LooksOpen("role", "x") if builtin is Requires else LooksOpen()])
        def x() -> dict:
            return {}


def test_backend_classes_and_dotted_paths_are_taken(client_for):
    api = BoltAPI()

    @api.get("/x", auth=["django_bolt.auth.JWTAuthentication"], guards=[IsAuthenticated])
    def x(request: Request) -> dict:
        return {"sub": request.context["sub"]}

    client = client_for(api)
    assert client.get("/x").status_code == 401
    assert client.get("/x", headers=bearer(pyjwt_token(claims(sub="7")))).json() == {"sub": "7"}


@pytest.mark.django_db
def test_nobody_is_a_false_anonymous_user(client_for):
    """Django code checks ``is_authenticated``; code written for the release, whose
    ``request.user`` is ``None`` for nobody, checks ``if not request.user``."""
    api = BoltAPI()

    @api.get("/public")
    def public(request: Request) -> dict:
        user = request.user
        return {"truthy": bool(user), "authenticated": user.is_authenticated, "name": type(user).__name__}

    @api.get("/me", auth=[JWTAuthentication()], guards=[IsAuthenticated()])
    async def me(request: Request) -> dict:
        user = await request.auser()
        return {"found": bool(user), "authenticated": user.is_authenticated}

    client = client_for(api)
    assert client.get("/public").json() == {"truthy": False, "authenticated": False, "name": "AnonymousUser"}
    # A valid token for a user that does not exist (deleted): nobody.
    gone = client.get("/me", headers=bearer(pyjwt_token(claims(sub="999999"))))
    assert gone.json() == {"found": False, "authenticated": False}
