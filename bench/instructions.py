"""Instructions per request, counted by valgrind's callgrind: a noise-free companion to run.py.

Wall-clock CPU time per request moves with whatever else the machine does; user-space
instruction counts do not. Each server runs under callgrind; per endpoint the counters are zeroed
after a warm-up, a fixed number of requests is sent over one keep-alive connection, and the
counters are dumped. Kernel work (syscalls) is not counted, so this measures framework overhead.

    python bench/instructions.py [--servers ours,upstream] [--only index,post] [--requests 1000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pg  # noqa: E402
from run import ENDPOINTS, make_payload  # noqa: E402

#: Slow endpoints get fewer requests (valgrind runs code ~50x slower).
REQUESTS_SCALE = {"post": 0.3, "orm": 0.1, "jwt_user": 0.1, "session": 0.1}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(python: str, env: dict[str, str]) -> None:
    app = HERE / "app"
    for cmd in (["manage.py", "migrate", "--noinput", "-v", "0"], ["manage.py", "seed_rows", "--count", "20"]):
        subprocess.run([python, *cmd], cwd=app, env=env, check=True, capture_output=True)


def send(port: int, method: str, path: str, body: bytes | None, count: int, extra: tuple = ()) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json"} if body else {}
    headers.update(extra)
    for _ in range(count):
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: status {response.status}")
    conn.close()


def latest_total(out_prefix: str) -> int:
    dumps = sorted(Path(out_prefix).parent.glob(Path(out_prefix).name + ".*"), key=lambda p: int(p.suffix[1:]))
    text = dumps[-1].read_text(errors="replace")
    match = re.search(r"^summary:\s+(\d+)", text, re.M)
    if not match:
        raise RuntimeError(f"no summary line in {dumps[-1]}")
    return int(match.group(1))


def measure(
    name: str, python: str, endpoints: list, requests: int, workdir: Path, db_env: dict[str, str] | None = None
) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" or name == "ours"}
    env.update(
        DJANGO_SETTINGS_MODULE="benchproject.settings",
        BENCH_DB_PATH=str(workdir / f"{name}.sqlite3"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(db_env or {})
    prepare(python, env)
    port = free_port()
    out_prefix = str(workdir / f"{name}.callgrind")
    log = open(workdir / f"{name}.log", "wb")
    proc = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out_prefix}",
            python,
            "manage.py",
            "runbolt",
            "--port",
            str(port),
        ],
        cwd=HERE / "app",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    results: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                send(port, "GET", "/", None, 1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{name} did not start; see {log.name}") from None
                time.sleep(1)
        body = json.dumps(make_payload()).encode()
        for ep in endpoints:
            if ep.only and ep.only != name:
                continue
            count = max(20, int(requests * REQUESTS_SCALE.get(ep.name, 1.0)))
            payload = body if ep.post_json else None
            send(port, ep.method, ep.path, payload, max(20, count // 5), ep.headers)
            subprocess.run(["callgrind_control", "--zero", str(proc.pid)], check=True, capture_output=True)
            send(port, ep.method, ep.path, payload, count, ep.headers)
            subprocess.run(["callgrind_control", "--dump", str(proc.pid)], check=True, capture_output=True)
            time.sleep(0.5)
            results[ep.name] = latest_total(out_prefix) / count
            print(f"  {name:<9} {ep.label:<22} {results[ep.name]:>12,.0f} instructions/request", flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--servers", default="ours,upstream")
    p.add_argument("--ours-python", default=sys.executable)
    p.add_argument("--upstream-python", default="/work/upstream-venv/bin/python")
    p.add_argument("--only", default="")
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--keep", metavar="DIR", help="keep the callgrind dumps (for callgrind_annotate) in DIR")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help="as bench/run.py --db")
    args = p.parse_args(argv)
    if not shutil.which("valgrind"):
        sys.exit("valgrind is required (apt-get install valgrind)")
    wanted = [w for w in args.only.split(",") if w]
    endpoints = [e for e in ENDPOINTS if not wanted or e.name in wanted]
    pythons = {"ours": args.ours_python, "upstream": args.upstream_python}
    servers = [s for s in args.servers.split(",") if s]
    results = {}
    cluster = pg.start_cluster() if args.db == "postgres" else None
    try:
        with tempfile.TemporaryDirectory(prefix="bolt-instr-") as tmp:
            workdir = Path(args.keep) if args.keep else Path(tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            for server in servers:
                db_env = pg.database_env(cluster, server) if cluster else None
                results[server] = measure(server, pythons[server], endpoints, args.requests, workdir, db_env)
    finally:
        if cluster is not None:
            cluster.remove()
    print(
        f"\n{'endpoint':<24}" + "".join(f"{s:>16}" for s in servers) + ("   ours/upstream" if len(servers) == 2 else "")
    )
    for ep in endpoints:
        vals = [results[s].get(ep.name) for s in servers]
        line = f"{ep.label:<24}" + "".join(f"{v:>16,.0f}" if v else f"{'-':>16}" for v in vals)
        if len(servers) == 2 and all(vals):
            line += f"{vals[0] / vals[1]:>15.2f}x"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
