#!/usr/bin/env python
"""Compare django-bolt servers on the same Django app with wrk.

    python bench/run.py --servers ours,upstream
    python bench/run.py --servers upstream --quick

"ours" is the django_bolt importable by the interpreter running this script
(override with --ours-python); "upstream" is the interpreter given by
--upstream-python (a venv holding the public release).  Both serve the
unchanged project in bench/app via ``manage.py runbolt`` on 127.0.0.1.

The server is pinned to one core and wrk to another with taskset.  For every
endpoint we record requests/s, p99 latency, server CPU time per request (from
/proc, summed over the server's process tree and all threads) and peak RSS
(VmHWM, summed over the tree).  Rounds are interleaved (ours, upstream, ours,
upstream, ...) with a fresh server each time so drift hits both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pg

BENCH_DIR = Path(__file__).resolve().parent
APP_DIR = BENCH_DIR / "app"
LUA_POST = BENCH_DIR / "lua" / "post_json.lua"
DEFAULT_UPSTREAM_PYTHON = "/work/upstream-venv/bin/python"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Warn when other processes used more than this many cores during a run.
OTHER_LOAD_WARN = 0.2


# --------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------


def make_payload() -> dict[str, Any]:
    """Deterministic ~10 KB body for POST /items."""
    colors = ("red", "green", "blue")
    entries = [
        {
            "id": i,
            "label": f"entry-{i:03d}",
            "score": round(i * 1.25, 2),
            "active": i % 2 == 0,
            "attrs": {"color": colors[i % 3], "size": "medium"},
        }
        for i in range(100)
    ]
    return {"name": "bench-batch", "tags": [f"tag-{i:02d}" for i in range(20)], "entries": entries}


#: The benchmark app's SECRET_KEY (bench/app/benchproject/settings.py); tokens are signed with it.
BENCH_SECRET = b"bench-only-not-a-secret"


def bench_token(sub: str = "1") -> str:
    """An HS256 JWT for the seeded user ``bench`` (pk 1), valid until 2100; signed with the
    standard library so the bench needs no JWT package."""
    import base64
    import hashlib
    import hmac

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": sub, "exp": 4102444800, "iat": 1764000000}).encode())
    sig = hmac.new(BENCH_SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


AUTH_HEADERS = (("Authorization", f"Bearer {bench_token()}"),)
#: The logged-in session seeded by ``manage.py seed_rows`` (BENCH_SESSION there).
SESSION_HEADERS = (("Cookie", "sessionid=benchsession0000000000000000000001"),)


def _expect_json(expected: Any) -> Callable[[str, bytes], str | None]:
    def check(ctype: str, body: bytes) -> str | None:
        if not ctype.startswith("application/json"):
            return f"content-type {ctype!r}, expected application/json"
        try:
            got = json.loads(body)
        except ValueError as exc:
            return f"body is not JSON ({exc})"
        if callable(expected):
            return expected(got)
        return None if got == expected else f"body {got!r} != {expected!r}"

    return check


def _check_html(ctype: str, body: bytes) -> str | None:
    if not ctype.startswith("text/html"):
        return f"content-type {ctype!r}, expected text/html"
    return None if b"<h1>" in body else f"unexpected body {body[:80]!r}"


def _check_rows(rows: Any) -> str | None:
    if not isinstance(rows, list) or len(rows) != 10:
        return f"expected a list of 10 rows, got {str(rows)[:120]}"
    if set(rows[0]) != {"id", "name", "value"}:
        return f"unexpected row keys {sorted(rows[0])}"
    return None


def _check_viewset_page(page: Any) -> str | None:
    if not isinstance(page, dict) or len(page.get("items", [])) != 50 or page.get("total") != 60:
        return f"expected a page of 50 of 60 titles, got {str(page)[:160]}"
    first = page["items"][0]
    if set(first) != {"id", "name", "pages", "writer"} or set(first["writer"]) != {"id", "name"}:
        return f"unexpected item {first!r}"
    return None


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    check: Callable[[str, bytes], str | None]
    post_json: bool = False
    #: Served only by this server (e.g. "ours" for the Rust-only floor route).
    only: str | None = None
    #: Extra request headers (e.g. an Origin for the CORS endpoint).
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("index", "GET", "/", _expect_json({"message": "hello", "ok": True})),
    Endpoint("item", "GET", "/items/42?q=hello", _expect_json({"item_id": 42, "q": "hello"})),
    Endpoint(
        "post",
        "POST",
        "/items",
        _expect_json({"name": "bench-batch", "count": 100, "tags": 20}),
        post_json=True,
    ),
    Endpoint("html", "GET", "/html", _check_html),
    Endpoint("orm", "GET", "/orm", _expect_json(_check_rows)),
    # ModelViewSet list, PageNumberPagination(page_size=50), a nested foreign key serializer.
    Endpoint("viewset", "GET", "/vs/books", _expect_json(_check_viewset_page)),
    Endpoint("file", "GET", "/file", lambda ctype, body: None if len(body) == 100 * 1024 else f"{len(body)} bytes"),
    # A static route answered entirely in Rust: the floor every Python endpoint is measured against.
    Endpoint("floor", "GET", "/floor", _expect_json({"message": "hello", "ok": True}), only="ours"),
    # "index" behind @cors and a never-exhausted @rate_limit: the per-request cost of both.
    Endpoint(
        "cors_limited",
        "GET",
        "/cors-limited",
        _expect_json({"message": "hello", "ok": True}),
        headers=(("Origin", "https://bench.example"),),
    ),
    # JWT (HS256) verified before the handler, which reads the claims: no database.
    Endpoint("jwt", "GET", "/jwt", _expect_json({"sub": "1"}), headers=AUTH_HEADERS),
    # The same token, and the handler loads the Django user from the database (await request.auser()).
    Endpoint("jwt_user", "GET", "/jwt-user", _expect_json({"username": "bench"}), headers=AUTH_HEADERS),
    # django_middleware=True (Django's SessionMiddleware + AuthenticationMiddleware): the session
    # seeded by seed_rows is loaded and the user read from it (two queries per request).
    Endpoint("session", "GET", "/session", _expect_json({"username": "bench"}), headers=SESSION_HEADERS),
]


# --------------------------------------------------------------------------
# /proc helpers
# --------------------------------------------------------------------------


def _read_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; index 0 is field 3 (state).
    return raw[raw.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """root plus all of its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _read_stat(int(entry))
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        if Path(f"/proc/{pid}").exists():
            tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def tree_cpu_times(root: int) -> tuple[float, float]:
    """(user, system) CPU seconds of every process in the tree (all threads included), plus
    the reaped-children totals, so a worker exiting mid-run is not lost."""
    user = system = 0
    for pid in process_tree(root):
        fields = _read_stat(pid)
        if fields is None:
            continue
        # utime, stime, cutime, cstime are fields 14..17 -> indexes 11..14 here.
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        user += utime + cutime
        system += stime + cstime
    return user / CLK_TCK, system / CLK_TCK


def tree_cpu_seconds(root: int) -> float:
    return sum(tree_cpu_times(root))


def system_busy_seconds() -> float:
    """user+nice+system+irq+softirq over all CPUs from /proc/stat (idle, iowait, steal excluded)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return (sum(int(v) for v in fields[1:4]) + int(fields[6]) + int(fields[7])) / CLK_TCK


def children_cpu_seconds() -> float:
    """CPU of this script's reaped children (wrk, once it has exited)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_mem_kib(root: int, key: str) -> int:
    return sum(_status_kib(pid, key) for pid in process_tree(root))


def reset_peak_rss(root: int) -> bool:
    """Reset VmHWM to the current RSS (clear_refs value 5, Linux >= 4.0)."""
    ok = True
    for pid in process_tree(root):
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            ok = False
    return ok


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


@dataclass
class ServerSpec:
    name: str
    python: str
    env: dict[str, str]
    extra_args: list[str] = field(default_factory=list)
    bolt_location: str = ""
    versions: dict[str, str] = field(default_factory=dict)


class ServerProcess:
    def __init__(self, spec: ServerSpec, port: int, cpu: str, log_path: Path):
        self.spec = spec
        self.port = port
        self.log_path = log_path
        cmd = [
            "taskset",
            "-c",
            cpu,
            spec.python,
            "manage.py",
            "runbolt",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *spec.extra_args,
        ]
        self.cmd = cmd
        self._log = open(log_path, "wb")
        # New session: Ctrl-C in the terminal reaches us, and we stop the
        # server ourselves (whole process group, in case it forks workers).
        self.proc = subprocess.Popen(
            cmd,
            cwd=APP_DIR,
            env=spec.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/"
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(
                    f"{self.spec.name} server exited with code {self.proc.returncode} before answering.\n"
                    f"command: {' '.join(self.cmd)}\n--- log tail ---\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    resp.read()
                    return
            except urllib.error.HTTPError:
                return  # it answers; endpoint checks decide whether that is right
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError(
            f"{self.spec.name} server did not answer on {url} within {timeout:.0f}s\n"
            f"--- log tail ---\n{self.log_tail()}"
        )

    def stop(self, grace: float = 10.0) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        # Leftover members of the group (forked workers) and a stuck parent.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_checked(cmd: list[str], env: dict[str, str], what: str, timeout: float = 120) -> str:
    res = subprocess.run(
        cmd,
        cwd=APP_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        text=True,
    )
    if res.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {res.returncode}): {' '.join(cmd)}\n{res.stdout[-3000:]}")
    return res.stdout


def prepare_server(
    name: str,
    python: str,
    workdir: Path,
    inherit_pythonpath: bool,
    processes: int = 1,
    db_env: dict[str, str] | None = None,
) -> ServerSpec:
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        raise RuntimeError(f"{name}: python interpreter {python!r} not found or not executable")
    env = dict(os.environ)
    if not inherit_pythonpath:
        # Never let the repo's package leak into the reference interpreter.
        env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    env["DJANGO_SETTINGS_MODULE"] = "benchproject.settings"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    db_dir = workdir / name
    db_dir.mkdir(parents=True, exist_ok=True)
    env["BENCH_DB_PATH"] = str(db_dir / "db.sqlite3")
    env.update(db_env or {})

    probe = (
        "import json, platform, django, msgspec, django_bolt\n"
        "from importlib import metadata\n"
        "def v(d):\n"
        "    try:\n        return metadata.version(d)\n    except Exception:\n        return '?'\n"
        "print(json.dumps({'location': django_bolt.__file__, 'python': platform.python_version(),"
        " 'django': django.get_version(), 'msgspec': msgspec.__version__, 'django-bolt': v('django-bolt')}))\n"
    )
    hint = (
        "install django-bolt for it or pass --ours-python"
        if name == "ours"
        else "create it with `pip install django-bolt==0.13.0` or pass --upstream-python"
    )
    out = run_checked(
        [python, "-c", probe],
        env,
        f"{name}: importing django_bolt, django and msgspec with {python} ({hint})",
    )
    info = json.loads(out.strip().splitlines()[-1])

    help_text = run_checked([python, "manage.py", "runbolt", "--help"], env, f"{name}: runbolt --help")
    extra = ["--processes", str(processes)] if re.search(r"--processes\b", help_text) else []

    run_checked([python, "manage.py", "migrate", "--noinput", "-v", "0"], env, f"{name}: migrate")
    run_checked([python, "manage.py", "seed_rows", "--count", "20"], env, f"{name}: seed_rows")

    return ServerSpec(
        name=name,
        python=python,
        env=env,
        extra_args=extra,
        bolt_location=info.pop("location"),
        versions=info,
    )


def check_endpoints(port: int, endpoints: list[Endpoint], payload: bytes) -> list[str]:
    problems = []
    for ep in endpoints:
        url = f"http://127.0.0.1:{port}{ep.path}"
        data = payload if ep.post_json else None
        req = urllib.request.Request(url, data=data, method=ep.method)
        if ep.post_json:
            req.add_header("Content-Type", "application/json")
        for name, value in ep.headers:
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, ctype, body = resp.status, resp.headers.get("content-type", ""), resp.read()
        except urllib.error.HTTPError as exc:
            status, ctype, body = exc.code, exc.headers.get("content-type", ""), exc.read()
        except (urllib.error.URLError, OSError) as exc:
            problems.append(f"{ep.label}: request failed: {exc}")
            continue
        if status != 200:
            problems.append(f"{ep.label}: status {status}, body {body[:200]!r}")
            continue
        err = ep.check(ctype, body)
        if err:
            problems.append(f"{ep.label}: {err}")
    return problems


# --------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------

_UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"cannot parse wrk latency {text!r}")
    return float(m.group(1)) * _UNIT_MS[m.group(2)]


def parse_wrk(out: str) -> dict[str, Any]:
    res: dict[str, Any] = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    res["requests"] = int(m.group(1)) if m else 0
    res["elapsed_s"] = _to_ms(m.group(2) + m.group(3)) / 1e3 if m else 0.0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", out, re.M)
        res[f"p{pct}_ms"] = _to_ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(int(g) for g in m.groups()) if m else 0
    return res


def wrk_command(args: argparse.Namespace, port: int, ep: Endpoint, seconds: int, latency: bool) -> list[str]:
    cmd = [
        "taskset",
        "-c",
        args.client_cpu,
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
    ]
    if latency:
        cmd.append("--latency")
    if ep.post_json:
        cmd += ["-s", str(LUA_POST)]
    for name, value in ep.headers:
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(f"http://127.0.0.1:{port}{ep.path}")
    return cmd


def run_wrk(cmd: list[str], env: dict[str, str], seconds: int) -> str:
    res = subprocess.run(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=seconds + 30,
    )
    if res.returncode != 0:
        raise RuntimeError(f"wrk failed (exit {res.returncode}): {' '.join(cmd)}\n{res.stdout}")
    return res.stdout


# --------------------------------------------------------------------------
# One server lifetime: all endpoints
# --------------------------------------------------------------------------


def bench_server(
    args: argparse.Namespace,
    spec: ServerSpec,
    endpoints: list[Endpoint],
    payload: bytes,
    wrk_env: dict[str, str],
    workdir: Path,
    round_no: int,
    active: list[ServerProcess],
) -> dict[str, Any]:
    port = free_port()
    log_path = workdir / f"server-{spec.name}-round{round_no}.log"
    server = ServerProcess(spec, port, args.server_cpu, log_path)
    active.append(server)
    try:
        t0 = time.monotonic()
        server.wait_ready(args.startup_timeout)
        startup_s = time.monotonic() - t0
        problems = check_endpoints(port, [e for e in endpoints if not e.only or e.only == spec.name], payload)
        if problems:
            raise RuntimeError(
                f"{spec.name}: endpoint check failed:\n  "
                + "\n  ".join(problems)
                + f"\n--- server log tail ---\n{server.log_tail()}"
            )
        idle_rss = tree_mem_kib(server.pid, "VmRSS")
        results: dict[str, Any] = {}
        for ep in endpoints:
            if ep.only and ep.only != spec.name:
                continue
            if args.warmup > 0:
                run_wrk(wrk_command(args, port, ep, args.warmup, latency=False), wrk_env, args.warmup)
            hwm_reset = reset_peak_rss(server.pid)
            (user0, kernel0), sys0, kids0, t_start = (
                tree_cpu_times(server.pid),
                system_busy_seconds(),
                children_cpu_seconds(),
                time.monotonic(),
            )
            out = run_wrk(wrk_command(args, port, ep, args.duration, latency=True), wrk_env, args.duration)
            (user1, kernel1), sys1, kids1, t_end = (
                tree_cpu_times(server.pid),
                system_busy_seconds(),
                children_cpu_seconds(),
                time.monotonic(),
            )
            cpu0, cpu1 = user0 + kernel0, user1 + kernel1
            r = parse_wrk(out)
            # The kernel's share (TCP on loopback, epoll) is a floor no framework code removes.
            r["kernel_us_per_req"] = (kernel1 - kernel0) / r["requests"] * 1e6 if r["requests"] else None
            r["cpu_s"] = round(cpu1 - cpu0, 3)
            r["wrk_cpu_s"] = round(kids1 - kids0, 3)
            # Whatever else kept the machine busy (other builds, tests...),
            # in cores; a high value means the numbers are not trustworthy.
            other = (sys1 - sys0) - (cpu1 - cpu0) - (kids1 - kids0)
            r["other_load_cores"] = round(other / max(t_end - t_start, 1e-6), 3)
            r["cpu_us_per_req"] = (cpu1 - cpu0) / r["requests"] * 1e6 if r["requests"] else None
            r["peak_rss_mib"] = tree_mem_kib(server.pid, "VmHWM") / 1024
            r["peak_rss_since_start"] = not hwm_reset
            r["server_processes"] = len(process_tree(server.pid))
            r["wrk_output"] = out
            if not server.alive():
                raise RuntimeError(f"{spec.name} server died during {ep.label}\n{server.log_tail()}")
            results[ep.name] = r
            print(
                f"    {ep.label:<22} {r['rps']:>10.0f} req/s  p99 {fmt(r['p99_ms'], 2):>7} ms  "
                f"cpu/req {fmt(r['cpu_us_per_req'], 1):>7} us  peak {r['peak_rss_mib']:.1f} MiB"
                + (f"  non-2xx {r['non2xx']}" if r["non2xx"] else "")
                + (f"  socket errors {r['socket_errors']}" if r["socket_errors"] else "")
                + (
                    f"  [busy machine: {r['other_load_cores']:.2f} other cores]"
                    if r["other_load_cores"] > OTHER_LOAD_WARN
                    else ""
                ),
                flush=True,
            )
        return {
            "round": round_no,
            "server": spec.name,
            "port": port,
            "startup_s": round(startup_s, 2),
            "idle_rss_mib": idle_rss / 1024,
            "endpoints": results,
        }
    finally:
        server.stop()
        active.remove(server)


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def summarize(runs: list[dict[str, Any]], servers: list[str], endpoints: list[Endpoint]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for ep in endpoints:
        per_server: dict[str, Any] = {}
        for name in servers:
            rs = [run["endpoints"][ep.name] for run in runs if run["server"] == name and ep.name in run["endpoints"]]
            if not rs:
                continue

            def mean(key: str, rs: list[dict[str, Any]] = rs) -> float | None:
                vals = [r[key] for r in rs if r.get(key) is not None]
                return statistics.fmean(vals) if vals else None

            per_server[name] = {
                "rps": mean("rps"),
                "rps_rounds": [round(r["rps"], 1) for r in rs],
                "p99_ms": mean("p99_ms"),
                "cpu_us_per_req": mean("cpu_us_per_req"),
                "kernel_us_per_req": mean("kernel_us_per_req"),
                "peak_rss_mib": max(r["peak_rss_mib"] for r in rs),
                "requests": sum(r["requests"] for r in rs),
                "errors": sum(r["non2xx"] + r["socket_errors"] for r in rs),
                "max_other_load_cores": max(r["other_load_cores"] for r in rs),
            }
        summary[ep.name] = per_server
    return summary


RATIO_KEYS = {"rps", "p99_ms", "cpu_us_per_req", "kernel_us_per_req", "peak_rss_mib"}


def print_tables(summary: dict[str, Any], servers: list[str], endpoints: list[Endpoint]) -> None:
    both = "ours" in servers and "upstream" in servers
    cols = servers + (["ours/upstream"] if both else [])
    rows = [
        ("requests/s", "rps", 0, "higher is better"),
        ("p99 latency ms", "p99_ms", 2, "lower"),
        ("CPU us/request", "cpu_us_per_req", 1, "lower"),
        ("  of it kernel", "kernel_us_per_req", 1, "lower"),
        ("peak RSS MiB", "peak_rss_mib", 1, "lower"),
        ("errors", "errors", 0, ""),
        ("other load cores", "max_other_load_cores", 2, ""),
    ]
    for ep in endpoints:
        data = summary.get(ep.name, {})
        print(f"\n{ep.label}")
        print(f"  {'':<16}" + "".join(f"{c:>16}" for c in cols))
        for title, key, digits, _ in rows:
            line = f"  {title:<16}"
            vals = [data.get(s, {}).get(key) for s in servers]
            line += "".join(f"{fmt(v, digits):>16}" for v in vals)
            if both:
                o, u = data.get("ours", {}).get(key), data.get("upstream", {}).get(key)
                ratio = f"{o / u:.2f}x" if (o is not None and u and key in RATIO_KEYS) else "-"
                line += f"{ratio:>16}"
            print(line)
        if any(len(data.get(s, {}).get("rps_rounds", [])) > 1 for s in servers):
            per_round = "   ".join(
                f"{s}: " + ", ".join(f"{v:.0f}" for v in data[s]["rps_rounds"]) for s in servers if s in data
            )
            print(f"  rounds req/s    {per_round}")
    floor = summary.get("floor", {}).get("ours", {}).get("cpu_us_per_req")
    if floor:
        print(f"\nfloor (GET /floor, answered in Rust): {floor:.1f} us CPU/request")
        for ep in endpoints:
            ours = summary.get(ep.name, {}).get("ours", {}).get("cpu_us_per_req")
            if ours and ep.name != "floor":
                upstream = summary.get(ep.name, {}).get("upstream", {}).get("cpu_us_per_req")
                against = f"   (the floor is {floor / upstream:.2f}x upstream's CPU here)" if upstream else ""
                print(f"  {ep.label:<24} {ours / floor:5.2f}x the floor{against}")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--servers", default="ours,upstream", help="comma list from: ours, upstream (default: both)")
    p.add_argument(
        "--ours-python", default=sys.executable, help="interpreter whose django_bolt is 'ours' (default: this one)"
    )
    p.add_argument(
        "--upstream-python",
        default=DEFAULT_UPSTREAM_PYTHON,
        help=f"interpreter with the public release (default: {DEFAULT_UPSTREAM_PYTHON})",
    )
    p.add_argument("--duration", type=int, default=None, help="seconds per measured wrk run (default: 10, quick: 3)")
    p.add_argument(
        "--warmup", type=int, default=None, help="seconds of unmeasured wrk warm-up per endpoint (default: 2, quick: 1)"
    )
    p.add_argument("--connections", type=int, default=64, help="wrk connections (default: 64)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default: 1)")
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default: 2, quick: 1)")
    p.add_argument("--processes", type=int, default=1, help="runbolt --processes for both servers (default: 1)")
    p.add_argument("--only", default="", help="comma list of endpoints: " + ", ".join(e.name for e in ENDPOINTS))
    p.add_argument("--quick", action="store_true", help="short smoke run: 3 s runs, 1 s warm-up, 1 round")
    p.add_argument("--json", metavar="PATH", help="also write raw and summary results as JSON")
    p.add_argument("--server-cpu", default="0", help="taskset CPU list for the server (default: 0)")
    p.add_argument("--client-cpu", default="1", help="taskset CPU list for wrk (default: 1)")
    p.add_argument("--startup-timeout", type=float, default=60.0, help="seconds to wait for a server to answer")
    p.add_argument("--keep-logs", action="store_true", help="keep the temp dir with server logs and databases")
    p.add_argument(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="database of the ORM endpoints: a SQLite file, or a private PostgreSQL cluster (bench/pg.py)",
    )
    args = p.parse_args(argv)
    args.duration = args.duration or (3 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    args.rounds = args.rounds or (1 if args.quick else 2)
    if args.duration < 1 or args.rounds < 1 or args.connections < args.threads:
        p.error("need --duration >= 1, --rounds >= 1 and --connections >= --threads")
    return args


def preflight(args: argparse.Namespace) -> None:
    missing = [tool for tool in ("wrk", "taskset") if shutil.which(tool) is None]
    if missing:
        hint = {"wrk": "apt-get update && apt-get install -y wrk", "taskset": "apt-get install -y util-linux"}
        msg = "\n".join(f"  {tool}: install with `{hint[tool]}`" for tool in missing)
        sys.exit(f"error: required tool(s) not found on PATH: {', '.join(missing)}\n{msg}")
    if not Path("/proc/self/stat").exists():
        sys.exit("error: /proc is required (Linux only)")
    ncpu = os.cpu_count() or 1
    if ncpu < 2:
        print("warning: fewer than 2 CPUs; server and wrk will share a core", file=sys.stderr)
    if args.server_cpu == args.client_cpu:
        print("warning: server and wrk pinned to the same CPU list", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    bad = [s for s in servers if s not in ("ours", "upstream")]
    if bad or not servers:
        sys.exit(f"error: unknown server(s) {bad}; choose from ours, upstream")
    endpoints = ENDPOINTS
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        unknown = [w for w in wanted if w not in {e.name for e in ENDPOINTS}]
        if unknown:
            sys.exit(f"error: unknown endpoint(s) {unknown}; choose from {', '.join(e.name for e in ENDPOINTS)}")
        endpoints = [e for e in ENDPOINTS if e.name in wanted]
    preflight(args)

    per_server = len(endpoints) * (args.warmup + args.duration) + 10
    budget = args.rounds * len(servers) * per_server
    print(
        f"bench: servers={','.join(servers)} endpoints={','.join(e.name for e in endpoints)} rounds={args.rounds} "
        f"duration={args.duration}s warmup={args.warmup}s connections={args.connections} threads={args.threads}\n"
        f"bench: database {args.db}; server on CPU {args.server_cpu}, wrk on CPU {args.client_cpu}; "
        f"expected runtime ~{budget // 60}m{budget % 60:02d}s",
        flush=True,
    )

    workdir = Path(tempfile.mkdtemp(prefix="django-bolt-bench-"))
    active: list[ServerProcess] = []
    cluster = None

    def on_term(signum, frame):  # turn SIGTERM/SIGHUP into the Ctrl-C path
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    exit_code = 0
    runs: list[dict[str, Any]] = []
    specs: dict[str, ServerSpec] = {}
    try:
        payload_obj = make_payload()
        payload = json.dumps(payload_obj, separators=(",", ":")).encode()
        body_file = workdir / "post_items.json"
        body_file.write_bytes(payload)
        wrk_env = dict(os.environ, BENCH_BODY_FILE=str(body_file))

        python_for = {"ours": args.ours_python, "upstream": args.upstream_python}
        if args.db == "postgres":
            cluster = pg.start_cluster()
            print(f"bench: PostgreSQL on {cluster.socket_dir} port {cluster.port}", flush=True)
        for name in servers:
            print(f"bench: preparing {name} ({python_for[name]})", flush=True)
            spec = prepare_server(
                name,
                python_for[name],
                workdir,
                inherit_pythonpath=(name == "ours"),
                processes=args.processes,
                db_env=pg.database_env(cluster, name) if cluster else None,
            )
            specs[name] = spec
            print(
                f"bench:   django_bolt from {spec.bolt_location}\n"
                f"bench:   versions {spec.versions}; runbolt extra args {spec.extra_args or '(none)'}",
                flush=True,
            )
        if len(specs) == 2 and specs["ours"].bolt_location == specs["upstream"].bolt_location:
            print("warning: ours and upstream import the same django_bolt!", file=sys.stderr)

        for round_no in range(1, args.rounds + 1):
            for name in servers:
                print(f"bench: round {round_no}/{args.rounds} — {name}", flush=True)
                runs.append(bench_server(args, specs[name], endpoints, payload, wrk_env, workdir, round_no, active))
    except KeyboardInterrupt:
        print("\nbench: interrupted, stopping servers", file=sys.stderr)
        exit_code = 130
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        exit_code = 1
    finally:
        for server in list(active):
            server.stop(grace=5)
        if cluster is not None:
            cluster.remove()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    if runs:
        done = [s for s in servers if any(r["server"] == s for r in runs)]
        summary = summarize(runs, done, endpoints)
        print_tables(summary, done, endpoints)
        errors = [(ep.name, s) for ep in endpoints for s, d in summary.get(ep.name, {}).items() if d["errors"]]
        if errors:
            print(f"\nwarning: non-2xx or socket errors in {errors}; see --json for wrk output", file=sys.stderr)
        busy = sorted(
            {
                ep.name
                for ep in endpoints
                for d in summary.get(ep.name, {}).values()
                if d["max_other_load_cores"] > OTHER_LOAD_WARN
            }
        )
        if busy:
            print(
                f"\nwarning: other processes used > {OTHER_LOAD_WARN} cores during {busy}; "
                "those numbers are noisy, rerun on a quiet machine",
                file=sys.stderr,
            )
        if args.json:
            out = {
                "config": {
                    k: getattr(args, k)
                    for k in (
                        "duration",
                        "warmup",
                        "connections",
                        "threads",
                        "rounds",
                        "server_cpu",
                        "client_cpu",
                        "db",
                    )
                },
                "host": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "bench_python": platform.python_version(),
                },
                "payload_bytes": len(payload),
                "servers": {
                    n: {
                        "python": s.python,
                        "django_bolt": s.bolt_location,
                        "versions": s.versions,
                        "runbolt_args": s.extra_args,
                    }
                    for n, s in specs.items()
                },
                "endpoints": {e.name: e.label for e in endpoints},
                "summary": summary,
                "runs": runs,
                "complete": exit_code == 0,
            }
            Path(args.json).write_text(json.dumps(out, indent=2))
            print(f"\nbench: wrote {args.json}")
    if args.keep_logs or exit_code:
        print(f"bench: logs and databases kept in {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
