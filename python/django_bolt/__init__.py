"""django-bolt: Django APIs served by a Rust HTTP server."""

from . import status, status_codes
from ._core import __version__, build_info
from .api import BoltAPI
from .auth.jwt_utils import (
    CurrentUser,
    OptionalCurrentUser,
    extract_user_id_from_context,
    get_auth_context,
    get_current_user,
)
from .cookies import Cookie  # the response cookie, as in the release (the marker: params.Cookie)
from .enums import FileSize, MediaType
from .exceptions import HTTPException
from .middleware import CompressionConfig, cors, no_compress, rate_limit, skip_middleware
from .openapi import OpenAPIConfig
from .pagination import (
    CursorPagination,
    LimitOffsetPagination,
    PageNumberPagination,
    PaginatedResponse,
    PaginationBase,
    paginate,
)
from .params import Body, Depends, File, Form, Header, Path, Query
from .request import Request, UploadFile
from .responses import (
    HTML,
    JSON,
    EventSourceResponse,
    FileResponse,
    PlainText,
    Redirect,
    Response,
    ServerSentEvent,
    StreamingResponse,
)
from .router import Router
from .streaming.sse import format_sse_event
from .types import (
    APIKeyAuth,
    AuthContext,
    DjangoModel,
    JWTClaims,
    RequestProtocol,
    TimingState,
    TracingState,
    UserType,
)
from .views import (
    APIView,
    CreateMixin,
    DestroyMixin,
    ListMixin,
    ModelViewSet,
    PartialUpdateMixin,
    ReadOnlyModelViewSet,
    RetrieveMixin,
    UpdateMixin,
    ViewSet,
    action,
)
from .websocket import (
    CloseCode,
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketException,
    WebSocketState,
)

__all__ = [
    "__version__",
    "build_info",
    "BoltAPI",
    "Router",
    "Request",
    "UploadFile",
    "Response",
    "JSON",
    "PlainText",
    "HTML",
    "Redirect",
    "FileResponse",
    "StreamingResponse",
    "EventSourceResponse",
    "ServerSentEvent",
    "format_sse_event",
    "MediaType",
    "FileSize",
    "status",
    "status_codes",
    "CurrentUser",
    "OptionalCurrentUser",
    "get_current_user",
    "get_auth_context",
    "extract_user_id_from_context",
    "RequestProtocol",
    "UserType",
    "AuthContext",
    "DjangoModel",
    "JWTClaims",
    "APIKeyAuth",
    "TimingState",
    "TracingState",
    "HTTPException",
    "Query",
    "Path",
    "Header",
    "Cookie",
    "Body",
    "Form",
    "File",
    "Depends",
    "CompressionConfig",
    "OpenAPIConfig",
    "cors",
    "rate_limit",
    "skip_middleware",
    "no_compress",
    "WebSocket",
    "WebSocketState",
    "WebSocketDisconnect",
    "WebSocketClose",
    "WebSocketException",
    "CloseCode",
    "APIView",
    "ViewSet",
    "ModelViewSet",
    "ReadOnlyModelViewSet",
    "ListMixin",
    "RetrieveMixin",
    "CreateMixin",
    "UpdateMixin",
    "PartialUpdateMixin",
    "DestroyMixin",
    "action",
    "PaginationBase",
    "PageNumberPagination",
    "LimitOffsetPagination",
    "CursorPagination",
    "PaginatedResponse",
    "paginate",
]
