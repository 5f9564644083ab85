"""permessage-deflate (RFC 7692) over a real socket: negotiated with the ``websockets`` client,
checked frame by frame with zlib, limits applied to the inflated size, and off per route."""

from __future__ import annotations

import json
import os
import socket
import struct
import zlib

from django_bolt import BoltAPI, WebSocket
from django_bolt.conf import BoltConfig
from django_bolt.testing import WebSocketTestClient
from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from tests.websocket.conftest import MAX_MESSAGE
from tests.websocket.frames import read_frame

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def url(server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def open_raw(port: int, path: str, extensions: str | None) -> tuple[socket.socket, dict[str, str], bytearray]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    offer = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n".encode()
    )
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("HTTP/1.1 101"), lines[0]
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return sock, headers, bytearray(rest)


def frame(first: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    size = (
        bytes([0x80 | n])
        if n < 126
        else bytes([0xFE]) + struct.pack("!H", n)
        if n < 65536
        else bytes([0xFF]) + struct.pack("!Q", n)
    )
    return bytes([first]) + size + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    out = packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def inflated(data: bytes) -> bytes:
    return zlib.decompressobj(wbits=-15).decompress(data + b"\x00\x00\xff\xff")


async def test_negotiated_with_the_websockets_client(ws_server):
    text = "the quick brown fox jumps over the lazy dog " * 50
    async with connect(url(ws_server, "/ws/echo")) as ws:
        response = ws.response.headers["Sec-WebSocket-Extensions"]
        assert response == "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        for i in range(5):  # several messages: neither side may rely on the previous one's window
            await ws.send(f"{i}{text}")
            assert await ws.recv() == f"{i}{text}"
        await ws.send(text.encode())
        assert await ws.recv() == text.encode()
    assert ws.close_code == 1000


async def test_client_window_bits_and_a_declined_server_window(ws_server):
    small_window = ClientPerMessageDeflateFactory(client_max_window_bits=9)
    async with connect(url(ws_server, "/ws/echo"), extensions=[small_window], compression=None) as ws:
        assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
        await ws.send("abc" * 300)
        assert await ws.recv() == "abc" * 300
    # The server always deflates with a 15-bit window: an offer limiting it is declined.
    limited = ClientPerMessageDeflateFactory(server_max_window_bits=10)
    async with connect(url(ws_server, "/ws/echo"), extensions=[limited], compression=None) as ws:
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        await ws.send("plain")
        assert await ws.recv() == "plain"


def test_frames_on_the_wire(ws_server):
    sock, headers, buffered = open_raw(
        ws_server.port, "/ws/echo", "permessage-deflate; server_max_window_bits=15; client_max_window_bits"
    )
    with sock:
        assert headers["sec-websocket-extensions"] == (
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15"
        )
        message = b"abcdefgh" * 200
        sock.sendall(frame(0x80 | 0x40 | 0x2, deflated(message)))
        first, payload = read_frame(sock, buffered)
        assert first == 0x80 | 0x40 | 0x2  # compressed (RSV1) binary
        assert len(payload) < len(message) // 10 and inflated(payload) == message
        # A compressed message in fragments, and a short reply that goes out uncompressed.
        packed = deflated(b"x" * 40)
        sock.sendall(frame(0x40 | 0x1, packed[:5]) + frame(0x89, b"p") + frame(0x80, packed[5:]))
        assert read_frame(sock, buffered) == (0x8A, b"p")
        assert read_frame(sock, buffered) == (0x81, b"x" * 40)
        sock.sendall(frame(0x88, struct.pack("!H", 1000)))
        assert read_frame(sock, buffered) == (0x88, struct.pack("!H", 1000))


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_small_frame_inflating_past_the_limit_is_1009_without_the_allocation(ws_server):
    bomb = deflated(b"\0" * (100 * 1024 * 1024))  # ~100 KB on the wire, 100 MB inflated
    assert len(bomb) < 110 * 1024
    peak_before = peak_rss_mib(ws_server.proc.pid)
    sock, _, buffered = open_raw(ws_server.port, "/ws/probe/bomb", "permessage-deflate")
    with sock:
        sock.sendall(frame(0x80 | 0x40 | 0x2, bomb))
        first, payload = read_frame(sock, buffered)
        assert first == 0x88 and struct.unpack("!H", payload[:2])[0] == 1009
    # Inflating stopped at the limit (MAX_MESSAGE): nothing near 100 MB was allocated.
    assert peak_rss_mib(ws_server.proc.pid) - peak_before < 20
    # A message over the limit only once inflated is refused the same way.
    sock, _, buffered = open_raw(ws_server.port, "/ws/echo", "permessage-deflate")
    with sock:
        sock.sendall(frame(0x80 | 0x40 | 0x1, deflated(b"a" * (MAX_MESSAGE + 1))))
        first, payload = read_frame(sock, buffered)
        assert first == 0x88 and struct.unpack("!H", payload[:2])[0] == 1009


def test_rsv1_without_the_extension_is_a_protocol_error(ws_server):
    sock, headers, buffered = open_raw(ws_server.port, "/ws/uncompressed", "permessage-deflate")
    with sock:
        assert "sec-websocket-extensions" not in headers  # @no_compress
        sock.sendall(frame(0x80 | 0x40 | 0x1, deflated(b"hello")))
        first, payload = read_frame(sock, buffered)
        assert first == 0x88 and struct.unpack("!H", payload[:2])[0] == 1002


async def test_off_per_route(ws_server):
    async with connect(url(ws_server, "/ws/uncompressed")) as ws:
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        await ws.send("x" * 500)
        assert await ws.recv() == "x" * 500


async def test_off_by_setting():
    api = BoltAPI()

    @api.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    async def handshake(config: BoltConfig) -> dict[str, str]:
        client = WebSocketTestClient(
            api.compile(config), "/ws", headers={"sec-websocket-extensions": "permessage-deflate"}, timeout=5.0
        )
        await client.connect()
        headers = client.response_headers
        await client.close()
        return headers

    assert "sec-websocket-extensions" not in await handshake(BoltConfig.build(ws_compression=False))


async def test_the_in_process_client_reads_compressed_messages():
    """With the extension offered, the server compresses what it sends (as on a socket) and
    WebSocketTestClient inflates it; the client's own messages go uncompressed."""
    from tests.websocket import ws_api

    text = "compress me " * 200
    data = bytes(range(256)) * 40
    offer = {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}
    async with WebSocketTestClient(ws_api.api, "/ws/echo", headers=offer) as ws:
        assert ws.response_headers["sec-websocket-extensions"].startswith("permessage-deflate")
        for _ in range(3):  # no context is kept between messages
            await ws.send_text(text)
            assert await ws.receive_text() == text
            await ws.send_bytes(data)
            assert await ws.receive_bytes() == data
        await ws.send_text("short")  # under 64 bytes: sent uncompressed, read as is
        assert await ws.receive_text() == "short"
    async with WebSocketTestClient(ws_api.api, "/asgi/echo", headers=offer) as ws:
        assert json.loads(await ws.receive_text())["path"] == "/asgi/echo"
        await ws.send_text(text)
        assert await ws.receive_text() == f"echo:{text}"
