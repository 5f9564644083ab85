"""Mutation fuzzing over a real socket: valid requests (GET, JSON POST, chunked, multipart,
pipelined, WebSocket upgrade) mutated byte-wise and structurally, each sent on a new connection to
the shared ``runbolt``. Every answer must be a well-formed response (no 5xx but 501) or a plain close, never
a hang, and the server must keep serving and never panic.

The count comes from ``BOLT_HTTP_FUZZ_REQUESTS`` (default 300: every suite runs a sample; CI's fuzz
stage runs thousands once). The seed is fixed per run and printed, so a failure can be replayed
with ``BOLT_HTTP_FUZZ_SEED``.
"""

from __future__ import annotations

import os
import random
import re
import socket

from tests.server.support import assert_still_serving

REQUESTS = int(os.environ.get("BOLT_HTTP_FUZZ_REQUESTS", "300"))
SEED = int(os.environ.get("BOLT_HTTP_FUZZ_SEED", "1919"))
STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-5][0-9][0-9]) ")

SEEDS = [
    b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /items/42?q=a%20b HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n"
    b'{"name":"a","price":1.5}',
    b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
    b'5;x=1\r\n{"nam\r\n13\r\ne":"b","price":2}  \r\n0\r\nX-Trailer: t\r\n\r\n',
    b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
    b"Content-Length: 77\r\n\r\n"
    b'--zz\r\nContent-Disposition: form-data; name="name"; filename="../a"\r\n\r\nx\r\n--zz--\r\n',
    b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /page?n=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    b"GET /search?q=%ff%00 HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: a=b; c\r\nAuthorization: Bearer x.y.z\r\n\r\n",
]
#: Bytes that matter to HTTP framing, favoured by the byte mutations.
SPECIAL = [b"\r", b"\n", b"\r\n", b":", b" ", b"\t", b";", b"\x00", b"\x7f", b"\xff", b"0", b"-", b'"', b"%", b"/"]
HEADERS = [
    b"Content-Length: 5\r\n",
    b"Content-Length: -1\r\n",
    b"Content-Length: 99999999999999999999\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip\r\n",
    b"Transfer-Encoding: chunked, chunked\r\n",
    b"Host: other\r\n",
    b"Expect: 100-continue\r\n",
    b"Connection: close\r\n",
    b" folded\r\n",
    b"X: " + b"a" * 5000 + b"\r\n",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(7)
        at = rng.randrange(len(out) + 1)
        if kind == 0 and out:  # flip a byte
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif kind == 1:  # insert a framing-relevant byte sequence
            out[at:at] = rng.choice(SPECIAL)
        elif kind == 2 and out:  # delete a span
            del out[at : at + rng.randint(1, 16)]
        elif kind == 3:  # duplicate a span
            span = bytes(out[at : at + rng.randint(1, 64)])
            out[at:at] = span
        elif kind == 4:  # add a header line after the request line
            line_end = out.find(b"\r\n")
            if line_end >= 0:
                out[line_end + 2 : line_end + 2] = rng.choice(HEADERS)
        elif kind == 5:  # cut the request short
            del out[at:]
        else:  # splice in a piece of another seed
            other = rng.choice(SEEDS)
            start = rng.randrange(len(other))
            out[at:at] = other[start : start + rng.randint(1, 80)]
    return bytes(out)


def exchange(port: int, data: bytes) -> bytes:
    """Sends ``data``, half-closes (so an incomplete request ends at once) and reads to the close."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused early and closed: what it sent is still readable
        received = bytearray()
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        return bytes(received)


def test_mutated_requests_get_well_formed_answers(server):
    rng = random.Random(SEED)
    print(f"HTTP fuzz: {REQUESTS} requests, seed {SEED}")
    failures = []
    for i in range(REQUESTS):
        request = mutate(rng.choice(SEEDS), rng)
        answer = exchange(server.port, request)
        if not answer:
            continue  # closed without an answer: allowed (an incomplete request, say)
        match = STATUS_LINE.match(answer)
        if match is None:
            failures.append((i, request, answer[:200], "not a status line"))
        elif match.group(1).startswith(b"5") and match.group(1) != b"501":
            # 501 is the right answer to a transfer coding the server does not implement.
            failures.append((i, request, answer[:300], "server error"))
        if len(failures) >= 5:
            break
    assert failures == [], "\n".join(f"#{i} {why}: {req!r}\n  -> {ans!r}" for i, req, ans, why in failures)
    assert_still_serving(server.port)
    assert server.alive() and "panicked" not in server.stderr(), server.describe()
