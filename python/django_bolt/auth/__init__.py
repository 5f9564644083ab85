"""Authentication and guards (``auth=``/``guards=`` on routes and ``BoltAPI``).

Backends and claim guards are compiled once into Rust and checked before any Python runs; the
handler sees the verified claims as ``request.context`` and the Django user as ``request.user``
(loaded on first access; ``await request.auser()`` in async code)."""

from .backends import (
    APIKeyAuthentication,
    AuthenticationFailed,
    BaseAuthentication,
    JWTAuthentication,
    SessionAuthentication,
    get_default_authentication_classes,
)
from .guards import (
    AllowAny,
    BasePermission,
    HasAllPermissions,
    HasAnyPermission,
    HasPermission,
    IsAdminUser,
    IsAuthenticated,
    IsStaff,
    Requires,
    get_default_permission_classes,
)
from .jwt_utils import (
    CurrentUser,
    OptionalCurrentUser,
    extract_user_id_from_context,
    get_auth_context,
    require_current_user,
    require_current_user_sync,
)
from .revocation import (
    DjangoCacheRevocation,
    DjangoORMRevocation,
    InMemoryRevocation,
    RedisRevocation,
    RevocationStore,
    create_revocation_handler,
)
from .tokens import (
    Token,
    TokenPair,
    TokenRotationError,
    create_jwt_for_user,
    create_token_pair,
    rotate_refresh_token,
    rotate_refresh_token_sync,
    set_token_cookies,
)
from .user_loader import get_registered_backend, load_user, register_auth_backend
from .users import get_current_user, get_current_user_sync
from .views import JWTAuthViews, LoginCredentials

__all__ = [
    "CurrentUser",
    "OptionalCurrentUser",
    "extract_user_id_from_context",
    "get_auth_context",
    "require_current_user",
    "require_current_user_sync",
    "AuthenticationFailed",
    "BaseAuthentication",
    "JWTAuthentication",
    "APIKeyAuthentication",
    "SessionAuthentication",
    "get_default_authentication_classes",
    "BasePermission",
    "AllowAny",
    "IsAuthenticated",
    "Requires",
    "IsAdminUser",
    "IsStaff",
    "HasPermission",
    "HasAnyPermission",
    "HasAllPermissions",
    "get_default_permission_classes",
    "RevocationStore",
    "InMemoryRevocation",
    "DjangoCacheRevocation",
    "DjangoORMRevocation",
    "RedisRevocation",
    "create_revocation_handler",
    "Token",
    "TokenPair",
    "TokenRotationError",
    "create_jwt_for_user",
    "create_token_pair",
    "rotate_refresh_token",
    "rotate_refresh_token_sync",
    "set_token_cookies",
    "get_current_user",
    "get_current_user_sync",
    "JWTAuthViews",
    "LoginCredentials",
    "get_registered_backend",
    "load_user",
    "register_auth_backend",
]
