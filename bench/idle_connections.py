"""Holds N idle keep-alive connections on one server process and reports its memory.

    python bench/idle_connections.py --connections 10000 [--python PATH] [--hold 10]

Starts `runbolt` (one process, keep-alive timeout raised above the hold time) on the bench app,
opens N connections that each complete one request and then stay idle, checks that a fresh
client is still served while they are held, and prints the server's RSS before and after.
Loopback only; every socket is closed at the end.
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
    args = p.parse_args(argv)
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
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        sys.exit("server did not start")
                    time.sleep(0.2)
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


def _still_open(c: socket.socket) -> bool:
    try:
        return c.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
