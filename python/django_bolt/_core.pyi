"""Type stubs for the Rust extension ``django_bolt._core``."""

import datetime
import os
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, final

from django_bolt._schema import CompressionRecord, RouteRecord, RuntimeRecord, ServerConfigRecord

# Every class is a PyO3 class, which cannot be subclassed (hence @final);
# constructors are `#[new]`, i.e. __new__.

__all__ = [
    "__version__",
    "SSE_KEEPALIVE_COMMENT",
    "App",
    "Request",
    "Completion",
    "TestStream",
    "ChunkSink",
    "JwtBackend",
    "ApiKeyBackend",
    "RevocationSet",
    "jwt_encode",
    "serve",
    "test_request",
    "build_info",
    "record_keys",
    "database_touched",
    "orm_thread_touched",
    "resolve_response_file",
    "format_cookie_date",
    "hold_writer_wakes",
    "flush_writer_wakes",
    "WebSocketConn",
    "TestWebSocket",
    "test_websocket",
]

__version__: str
#: The comment an idle Server-Sent Events stream is sent (``: ping``).
SSE_KEEPALIVE_COMMENT: bytes

def build_info() -> dict[str, Any]:
    """How this extension was built, captured at compile time.

    Keys: ``version``, ``target`` (Rust target triple), ``host``, ``rustc`` (``rustc -V``),
    ``profile`` (cargo profile), ``opt_level``, ``debug_assertions``, ``features`` (this crate's
    cargo features), ``target_features`` (CPU features compiled for) and ``rustflags``.
    """

def record_keys() -> dict[str, tuple[list[str], list[str]]]:
    """``{record name: (required keys, optional keys)}`` of every record the core reads (the
    records of ``django_bolt._schema``)."""

def database_touched() -> None:
    """Flags the calling thread as having queried the database during this request (read and
    cleared by the server after a sync handler; see ``django_bolt.db``)."""

def orm_thread_touched() -> None:
    """Flags asgiref's ORM thread as having queried the database (read after async requests)."""

def format_cookie_date(value: datetime.datetime) -> str:
    """A cookie's ``expires``: the moment in UTC as an HTTP date (``Sun, 09 Jun 2030 10:11:12 GMT``);
    a naive datetime is taken as UTC."""

def hold_writer_wakes(hold: bool) -> None:
    """From now on (``hold`` True) the calling thread's streamed-chunk writer wake-ups wait for
    its ``flush_writer_wakes()``; False ends that, flushing what is held (the event loop thread)."""

def flush_writer_wakes() -> None:
    """Wakes the writers whose chunks were queued since the last flush, with one wake-up."""

def resolve_response_file(
    path: str | os.PathLike[str], allowed_roots: list[str | os.PathLike[str]] | None = None
) -> str:
    """The real path of a regular file a ``File``/``FileResponse`` may send (any file when
    ``allowed_roots`` is None): ``FileNotFoundError``, ``PermissionError`` (outside the roots, a
    ``..`` component) or ``ValueError`` (a NUL byte, a symlink loop, not a regular file)."""

@final
class App:
    """A compiled application: routes, settings and runtime references."""

    def __new__(
        cls,
        routes: list[RouteRecord],
        runtime: RuntimeRecord,
        config: ServerConfigRecord,
        trailing_slash: str = "strip",
        compression: CompressionRecord | None = None,
    ) -> App: ...
    @property
    def route_count(self) -> int: ...
    def clear_rate_limits(self) -> None:
        """Empties this process's rate-limit buckets (not Redis)."""

_U = TypeVar("_U")
_C = TypeVar("_C")
_S = TypeVar("_S")

@final
class Request(Generic[_U, _C, _S]):
    """The request a handler receives. Dict attributes are built on first access."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query_string(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def query(self) -> dict[str, str]: ...
    def query_list(self, key: str) -> list[str]: ...
    @property
    def cookies(self) -> dict[str, str]: ...
    @property
    def raw_cookies(self) -> dict[str, str]:
        """The release's name for ``cookies``."""
    @property
    def params(self) -> dict[str, str]: ...
    @property
    def state(self) -> dict[str, Any]: ...
    @property
    def client(self) -> tuple[str, int] | None: ...
    context: Any
    """Verified token claims / API-key info (converted on first access), or ``None``."""
    user: Any
    """The Django user (loaded from the token's ``user_id``/``sub`` on first access) or ``AnonymousUser``."""
    META: dict[str, Any]
    """WSGI-style keys (``REQUEST_METHOD``, ``PATH_INFO``, ``HTTP_*``, ...), built on first access."""
    @property
    def form(self) -> Any:
        """The urlencoded or multipart fields of the body (a Django ``QueryDict``)."""
    @property
    def files(self) -> Any:
        """The uploaded files of a multipart body (a Django ``MultiValueDict``)."""
    @property
    def auth_backend(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def user_loaded(self) -> bool:
        """Whether ``user`` holds a user already (reading it runs no loader)."""
    def auser(self) -> Awaitable[Any]: ...
    def get_full_path(self) -> str: ...
    def build_absolute_uri(self, location: str | None = None) -> str: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def __getitem__(self, key: str, /) -> Any: ...
    @classmethod
    def __class_getitem__(cls, _item: Any) -> Any: ...

@final
class JwtBackend:
    """A JWT verifier built once per ``JWTAuthentication`` (keys parsed here, never per request)."""

    def __new__(
        cls,
        *,
        algorithms: list[str],
        secret: bytes | None = None,
        public_key: str | None = None,
        jwks: str | None = None,
        jwks_fetch: Callable[[], str] | None = None,
        jwks_ttl: float = 300.0,
        jwks_min_refresh: float = 30.0,
        audience: list[str] = ...,
        issuer: list[str] = ...,
        leeway: int = 0,
        required: list[str] = ...,
        require_jti: bool = False,
        token_type: str | None = None,
        header: str = "authorization",
        cookie: str | None = None,
        csrf: bool = True,
        revocation: Any = None,
        user_loader: Any = None,
    ) -> JwtBackend: ...
    def decode(self, token: str) -> dict[str, Any]:
        """Verifies signature and claims (not revocation); ``ValueError`` with the reason."""

@final
class ApiKeyBackend:
    def __new__(
        cls, keys: list[tuple[str, str, list[str]]], header: str = "x-api-key", user_loader: Any = None
    ) -> ApiKeyBackend: ...

@final
class RevocationSet:
    def __new__(cls) -> RevocationSet: ...
    def revoke(self, jti: str, expires_at: float) -> None: ...
    def clear(self) -> None: ...
    def is_revoked(self, jti: str) -> bool: ...
    def __len__(self) -> int: ...

def jwt_encode(claims_json: bytes, algorithm: str, key: bytes, kid: str | None = None) -> str:
    """Signs serialised claims; ``key`` is the HMAC secret or a private key PEM."""

@final
class Completion:
    def __call__(self, task: Any) -> None: ...

def serve(
    app: App,
    host: str,
    port: int,
    reuse_port: bool = False,
    on_ready: Callable[[], object] | None = None,
    listen_fd: int | None = None,
) -> bool:
    """Serves until SIGTERM/SIGINT, then drains in-flight requests. ``on_ready`` runs once listening.
    False when connections were still open at the end of the grace period (a sync handler may
    still run Python: exit with ``os._exit``, not through interpreter finalization)."""

@final
class ChunkSink:
    """Where an async stream's pump task (on the event loop) queues chunks for the writer."""

    def push(self, chunk: bytes) -> bool:
        """Queues a chunk; False when the queue is full (then ``wait_room``) or the reader is gone."""
    def finish(self) -> None: ...
    def fail(self) -> None: ...
    def closed(self) -> bool: ...
    def wait_room(self, future: Any) -> None:
        """Resolves ``future`` once a chunk can be queued."""

@final
class TestStream:
    """A streamed in-process body: iterating pulls chunks; ``close()`` acts like a disconnect."""

    def __iter__(self) -> TestStream: ...
    def __next__(self) -> bytes: ...
    def close(self) -> None: ...

def test_request(
    app: App,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    client: tuple[str, int] | None = None,
) -> tuple[int, list[tuple[str, str]], bytes | TestStream]:
    """Runs one request through the server's pipeline in process (streamed bodies as a TestStream)."""

@final
class WebSocketConn:
    """One WebSocket connection as its handler's ``WebSocket`` sees it (see websocket/types.py)."""

    path: str
    query_string: str
    headers: list[tuple[str, str]]
    path_params: dict[str, str]
    subprotocols: list[str]
    client: tuple[str, int] | None
    scheme: str
    def accept(self, subprotocol: str | None = None, headers: list[tuple[str, str]] = ...) -> None: ...
    def refuse(self) -> bool: ...
    def send(self, kind: int, data: Any) -> int:
        """kind 0 text, 1 bytes, 2 close ``(code, reason)`` → 0 queued, 1 queue full, 2 closed."""
    def send_wait(self, kind: int, data: Any, future: Any) -> None: ...
    def receive(self, future: Any) -> str | bytes | tuple[int, str] | None:
        """The next message, ``(code, reason)`` once closed, or None when nothing is queued: then
        ``future`` is completed (with None) once something is, and the caller asks again."""

@final
class TestWebSocket:
    """The client end of an in-process WebSocket (blocking calls; see testing/websocket.py)."""

    def send(self, kind: int, data: Any) -> None: ...
    def send_frame(self, opcode: int, payload: bytes, fin: bool) -> None: ...
    def receive(self, timeout: float) -> str | bytes | tuple[int, str]: ...
    def ping(self, payload: bytes, timeout: float) -> bytes: ...
    def close(self, code: int, reason: str, timeout: float) -> tuple[int, str]: ...

def test_websocket(
    app: App,
    path: str,
    headers: list[tuple[str, str]],
    client: tuple[str, int] | None = None,
    handshake_timeout: float | None = None,
) -> tuple[int, list[tuple[str, str]], bytes, TestWebSocket | None]:
    """Opens a WebSocket in process through the server's WebSocket code; the connection is set
    when the handshake answered 101. ``handshake_timeout``: seconds to wait for the handler to
    accept or refuse (``TimeoutError``, the client leaves); default: the server's accept timeout."""
