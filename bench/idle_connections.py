"""Holds N idle keep-alive connections on one server process and reports its memory.

    python bench/idle_connections.py --connections 10000 [--python PATH] [--hold 10]
    python bench/idle_connections.py --websocket --connections 10000 [--ping-interval 2] [--deflate]

Starts `runbolt` (one process, keep-alive timeout raised above the hold time) on the bench app,
opens N connections that each complete one request and then stay idle, checks that a fresh
client is still served while they are held, and prints the server's RSS before and after.
With --websocket each connection is a WebSocket on ``/ws/echo`` (its handler waiting in
``receive``): the server pings every --ping-interval seconds with the same pong timeout, this
client answers every ping, and all N must still be open (and a fresh WebSocket echoed) at the end.
--deflate offers ``permessage-deflate`` on each connection. Loopback only; every socket is closed
at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"  # a host the bench settings allow


def wait_listening(port: int, seconds: float = 60) -> None:
    """Returns once the server accepts connections on ``port``; exits if it never does."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("server did not start")
            time.sleep(0.2)


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--connections", type=int, default=10_000)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--hold", type=float, default=10.0, help="seconds to hold the idle connections")
    p.add_argument("--websocket", action="store_true", help="hold WebSockets instead of keep-alive connections")
    p.add_argument("--ping-interval", type=float, default=2.0, help="server ping interval (--websocket)")
    p.add_argument("--deflate", action="store_true", help="offer permessage-deflate (--websocket)")
    args = p.parse_args(argv)
    if args.websocket:
        return main_websocket(args)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.connections + 512
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit(f"the hard open-file limit ({hard}) is below {need}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    with tempfile.TemporaryDirectory(prefix="bolt-idle-") as tmp:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchproject.settings", "BENCH_DB_PATH": f"{tmp}/db.sqlite3"}
        app = HERE / "app"
        subprocess.run([args.python, "manage.py", "migrate", "-v", "0"], cwd=app, env=env, check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        keep_alive = str(int(args.hold * 3 + 30))
        cmd = [
            args.python,
            "manage.py",
            "runbolt",
            "--port",
            str(port),
            "--keep-alive",
            keep_alive,
            "--backlog",
            "4096",
        ]
        server = subprocess.Popen(cmd, cwd=app, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        conns: list[socket.socket] = []
        try:
            wait_listening(port)
            base = rss_mib(server.pid)
            sel = selectors.DefaultSelector()
            t0 = time.monotonic()
            answered = 0

            def drain(timeout: float) -> None:
                nonlocal answered
                for key, _ in sel.select(timeout):
                    if key.fileobj.recv(65536).startswith(b"HTTP/1.1 200"):
                        answered += 1
                    sel.unregister(key.fileobj)

            for i in range(args.connections):
                c = socket.create_connection(("127.0.0.1", port), timeout=10)
                c.setblocking(False)
                c.send(REQUEST)
                sel.register(c, selectors.EVENT_READ)
                conns.append(c)
                if i % 200 == 199:  # collect answers as we go
                    drain(0)
            while sel.get_map() and time.monotonic() - t0 < 120:
                drain(1)
            opened_s = time.monotonic() - t0
            time.sleep(args.hold)
            held = rss_mib(server.pid)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as fresh:
                fresh.sendall(REQUEST)
                ok = fresh.recv(65536).startswith(b"HTTP/1.1 200")
            alive = sum(1 for c in conns if _still_open(c))
            print(f"connections opened and answered: {answered}/{args.connections} in {opened_s:.1f}s")
            print(f"still open after {args.hold:g}s idle: {alive}")
            print(f"fresh client served while they are held: {ok}")
            print(
                f"server RSS: {base:.1f} MiB idle -> {held:.1f} MiB holding them "
                f"({(held - base) * 1024 / max(1, alive):.1f} KiB per connection)"
            )
            return 0 if ok and alive == args.connections and answered == args.connections else 1
        finally:
            for c in conns:
                c.close()
            server.terminate()
            server.wait(30)


WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def _upgrade(deflate: bool) -> bytes:
    offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else ""
    return (
        "GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
    ).encode()


def _masked(opcode: int, payload: bytes) -> bytes:
    # A zero mask key leaves the payload as it is (every client frame must still be masked).
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


def _server_frames(buf: bytearray) -> list[tuple[int, bytes]]:
    """Complete (short) server frames taken from the front of ``buf``."""
    frames = []
    while len(buf) >= 2 and len(buf) >= 2 + (buf[1] & 0x7F):
        n = buf[1] & 0x7F
        frames.append((buf[0] & 0x0F, bytes(buf[2 : 2 + n])))
        del buf[: 2 + n]
    return frames


def main_websocket(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bolt-idle-ws-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchproject.settings",
            "BENCH_DB_PATH": f"{tmp}/db.sqlite3",
            "BENCH_WS_PING_INTERVAL": str(args.ping_interval),
        }
        app = HERE / "app"
        subprocess.run([args.python, "manage.py", "migrate", "-v", "0"], cwd=app, env=env, check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [args.python, "manage.py", "runbolt", "--port", str(port), "--backlog", "4096"]
        server = subprocess.Popen(cmd, cwd=app, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        conns: dict[socket.socket, bytearray] = {}
        try:
            wait_listening(port)
            base = rss_mib(server.pid)
            sel = selectors.DefaultSelector()
            upgraded = pings = closed = 0
            pending: dict[socket.socket, bytes] = {}
            refusals: list[str] = []

            def pump(timeout: float) -> None:
                """Reads the 101s, answers pings, notes closes."""
                nonlocal upgraded, pings, closed
                for key, _ in sel.select(timeout):
                    c = key.fileobj
                    try:
                        data = c.recv(65536)
                    except BlockingIOError:
                        continue
                    except ConnectionError:
                        data = b""
                    if not data:
                        closed += 1
                        sel.unregister(c)
                        continue
                    if c in pending:
                        head = pending.pop(c) + data
                        if b"\r\n\r\n" not in head:
                            pending[c] = head
                            continue
                        status, rest = head.split(b"\r\n\r\n", 1)
                        upgraded += status.startswith(b"HTTP/1.1 101")
                        if not status.startswith(b"HTTP/1.1 101") and not refusals:
                            refusals.append(head.split(b"\r\n")[0].decode(errors="replace"))
                        data = rest
                    buf = conns[c]
                    buf.extend(data)
                    for opcode, payload in _server_frames(buf):
                        if opcode == 0x9:
                            pings += 1
                            c.send(_masked(0xA, payload))
                        elif opcode == 0x8:
                            closed += 1

            t0 = time.monotonic()
            request = _upgrade(args.deflate)
            for i in range(args.connections):
                c = socket.create_connection(("127.0.0.1", port), timeout=10)
                c.setblocking(False)
                c.send(request)
                sel.register(c, selectors.EVENT_READ)
                conns[c] = bytearray()
                pending[c] = b""
                if i % 200 == 199:
                    pump(0)
            while pending and time.monotonic() - t0 < 180:
                pump(0.5)
            opened_s = time.monotonic() - t0
            # Hold them, answering the server's pings (a fresh WebSocket is served halfway).
            hold_end = time.monotonic() + args.hold
            fresh_ok = None
            while time.monotonic() < hold_end:
                pump(0.2)
                if fresh_ok is None and time.monotonic() > hold_end - args.hold / 2:
                    fresh_ok = _fresh_echo(port, args.deflate)
            pump(0)
            held = rss_mib(server.pid)
            alive = sum(1 for c in conns if _still_open(c))
            print(f"WebSockets upgraded (101): {upgraded}/{args.connections} in {opened_s:.1f}s")
            print(
                f"server pings answered while held {args.hold:g}s (interval {args.ping_interval:g}s): {pings} "
                f"({pings / max(1, upgraded):.1f} per connection); closed by the server: {closed}"
            )
            print(f"still open at the end: {alive}")
            if refusals:
                print(f"refused: {refusals[0]}")
            print(f"fresh WebSocket echoed while they are held: {fresh_ok}")
            print(
                f"server RSS: {base:.1f} MiB idle -> {held:.1f} MiB holding them "
                f"({(held - base) * 1024 / max(1, alive):.1f} KiB per connection)"
            )
            good = fresh_ok and alive == args.connections == upgraded and closed == 0 and pings >= upgraded
            return 0 if good else 1
        finally:
            for c in conns:
                c.close()
            server.terminate()
            server.wait(30)


def _fresh_echo(port: int, deflate: bool) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as fresh:
        fresh.sendall(_upgrade(False))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = fresh.recv(4096)
            if not chunk:
                return False
            head += chunk
        fresh.sendall(_masked(0x1, b"hello"))
        buf = bytearray(head.split(b"\r\n\r\n", 1)[1])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for opcode, payload in _server_frames(buf):
                if opcode == 0x1:
                    return payload == b"hello"
            buf.extend(fresh.recv(4096))
        return False


def _still_open(c: socket.socket) -> bool:
    try:
        return c.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
