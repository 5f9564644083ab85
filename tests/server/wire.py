"""Raw-socket HTTP/1.1 helpers for the real-server tests: exact bytes in, parsed responses out.

Every socket operation has a timeout, so a misbehaving server fails a test instead of hanging it.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT = 5.0


class ConnectionClosed(Exception):
    """The server closed the connection (FIN or RST) before a complete response arrived."""


@dataclass
class RawResponse:
    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    #: Bytes of the status line and headers exactly as received (without the blank line).
    raw_head: bytes = b""
    interim: list[int] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def json(self) -> Any:
        return json.loads(self.body)


class RawConnection:
    """One client TCP connection with a receive buffer that survives across responses."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = bytearray()
        self.eof = False

    # -- context manager ----------------------------------------------------------------
    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending ------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        version: str = "HTTP/1.1",
    ) -> None:
        """Sends one request; adds Host, and Content-Length when there is a body."""
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        names = {k.lower() for k, _ in pairs}
        if "host" not in names:
            pairs.insert(0, ("Host", "127.0.0.1"))
        if body is not None and "content-length" not in names and "transfer-encoding" not in names:
            pairs.append(("Content-Length", str(len(body))))
        head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
        self.send(head.encode("latin-1") + (body or b""))

    # -- receiving ----------------------------------------------------------------------
    def _fill(self, deadline: float) -> None:
        if self.eof:
            raise ConnectionClosed("connection closed by the server")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out waiting for the server")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise TimeoutError("timed out waiting for the server") from None
        except (ConnectionResetError, BrokenPipeError) as exc:
            self.eof = True
            raise ConnectionClosed(f"connection reset: {exc}") from exc
        if not chunk:
            self.eof = True
            raise ConnectionClosed("connection closed by the server")
        self.buf += chunk

    def _read_head(self, deadline: float) -> bytes:
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buf[:end])
                del self.buf[: end + 4]
                return head
            self._fill(deadline)

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            self._fill(deadline)
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_response(self, method: str = "GET", timeout: float = DEFAULT_TIMEOUT) -> RawResponse:
        """Reads the next response (skipping and recording 1xx interim responses)."""
        deadline = time.monotonic() + timeout
        interim: list[int] = []
        while True:
            head = self._read_head(deadline)
            lines = head.split(b"\r\n")
            version, _, rest = lines[0].decode("latin-1").partition(" ")
            code, _, reason = rest.partition(" ")
            status = int(code)
            headers = []
            for line in lines[1:]:
                name, sep, value = line.decode("latin-1").partition(":")
                assert sep, f"malformed response header line {line!r}"
                headers.append((name.strip().lower(), value.strip()))
            if 100 <= status < 200:
                interim.append(status)
                continue
            break
        lengths = [v for k, v in headers if k == "content-length"]
        assert len(lengths) <= 1, f"several Content-Length headers: {lengths}"
        assert not any(k == "transfer-encoding" for k, _ in headers), "unexpected chunked response"
        if method == "HEAD" or status in (204, 304):
            body = b""
        else:
            assert lengths, f"response without Content-Length: {head!r}"
            body = self._read_exact(int(lengths[0]), deadline)
        return RawResponse(status, reason, version, headers, body, head, interim)

    def read_interim(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Reads one head (for example ``HTTP/1.1 100 Continue``) and returns its raw bytes."""
        return self._read_head(time.monotonic() + timeout)

    def expect_closed(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Waits until the server closes the connection; returns any bytes that came before it."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            try:
                self._fill(deadline)
            except ConnectionClosed:
                break
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def is_closed(self, timeout: float = 0.5) -> bool:
        """True when the server has closed within ``timeout`` (no data pending)."""
        try:
            return self.expect_closed(timeout) == b"" and self.eof
        except TimeoutError:
            return False


def roundtrip(
    port: int,
    method: str,
    target: str,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> RawResponse:
    """One request on a fresh connection, closed afterwards."""
    with RawConnection(port, timeout=timeout) as conn:
        conn.request(method, target, headers, body)
        return conn.read_response(method, timeout=timeout)


def send_raw(port: int, data: bytes, timeout: float = DEFAULT_TIMEOUT) -> RawResponse:
    """Sends arbitrary bytes on a fresh connection and reads one response."""
    with RawConnection(port, timeout=timeout) as conn:
        conn.send(data)
        return conn.read_response(timeout=timeout)


def send_and_read_head(port: int, data: bytes, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Sends arbitrary bytes on a fresh connection and returns the raw head of the first response
    (status line and headers, without the blank line), for responses ``read_response`` would not
    parse: no Content-Length, or an upgrade."""
    with RawConnection(port, timeout=timeout) as conn:
        conn.send(data)
        return conn._read_head(time.monotonic() + timeout)


def chunked(*pieces: bytes) -> bytes:
    """Chunked transfer coding of ``pieces`` (empty pieces are skipped), with the last-chunk."""
    out = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    return out + b"0\r\n\r\n"
