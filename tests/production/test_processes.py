"""runbolt in production: worker processes, supervision, recycling, reload and shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="SO_REUSEPORT process pools are Linux-only"
)


def children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(x) for x in out.stdout.split()}


def wait_for(predicate, timeout: float, interval: float = 0.05):
    """Polls ``predicate`` until it returns something true; transport errors count as false."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except httpx.TransportError:
            value = None
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def worker_pids_seen(port: int, want: int, tries: int = 400) -> set[int]:
    """PIDs of the workers that answered fresh connections, stopping once ``want`` were seen."""
    seen = set()
    # `Connection: close` makes every request a new connection, which the kernel hands to any worker.
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, headers={"Connection": "close"}) as client:
        for _ in range(tries):
            seen.add(client.get("/pid").json()["pid"])
            if len(seen) >= want:
                break
    return seen


#: A worker's start (Python, Django, the API) on a loaded machine: its supervisor listens at once,
#: but connections wait in the queue until the worker serves. Upper bounds only.
WORKER_START_TIMEOUT = 60.0


def wait_until_serving(server, workers: int) -> set[int]:
    """Waits until ``workers`` workers answered, so that what a test measures next is not the
    time they take to start."""
    pids = wait_for(
        lambda: seen if len(seen := worker_pids_seen(server.port, workers)) == workers else None, WORKER_START_TIMEOUT
    )
    assert pids, server.describe()
    return pids


def test_processes_share_the_port(start_server):
    server = start_server("--processes", "2")
    assert wait_for(lambda: len(children(server.pid)) == 2, 10)
    pids = wait_for(lambda: seen if len(seen := worker_pids_seen(server.port, 2)) == 2 else None, 15)
    assert pids == children(server.pid)
    assert server.stop() == 0


def test_killed_worker_is_replaced_under_load(start_server):
    server = start_server("--processes", "2")
    victim = sorted(wait_until_serving(server, 2))[0]
    stop = threading.Event()
    outcomes: list[tuple[int, float, str]] = []  # (client, when, outcome)

    def client_loop(index: int) -> None:
        # A generous timeout: a slow answer while the replacement starts is not a lost one (a
        # lost one still fails the test: its client then never gets its 20 answers below).
        with httpx.Client(base_url=server.url, timeout=30) as client:  # keep-alive connection
            while not stop.is_set():
                try:
                    response = client.get("/hello")
                    outcome = "ok" if response.status_code == 200 else f"status {response.status_code}"
                except httpx.TransportError:
                    # The connection the killed worker held fails; the client reconnects.
                    outcome = "connection"
                outcomes.append((index, time.monotonic(), outcome))

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    assert wait_for(lambda: {i for i, _, _ in outcomes} == set(range(8)), 10), "clients never got going"
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    replaced = wait_for(lambda: len(children(server.pid)) == 2 and victim not in children(server.pid), 10)
    # Under load until every client has had 20 more answers after the replacement started.
    replaced_at = time.monotonic()
    assert wait_for(
        lambda: all(sum(1 for i, when, _ in outcomes if i == c and when > replaced_at) >= 20 for c in range(8)),
        WORKER_START_TIMEOUT,
    )
    stop.set()
    for t in threads:
        t.join(30)
    assert replaced, server.describe()
    assert not [o for _, _, o in outcomes if o.startswith("status")]
    # Only the kill costs anything: no failure before it, and at most one per client (its
    # connection to the victim), after which it is answered again.
    assert all(when >= killed_at for _, when, o in outcomes if o == "connection"), killed_at
    for c in range(8):
        mine = [o for i, _, o in outcomes if i == c]
        assert mine.count("connection") <= 1, (c, mine.count("connection"))
        assert mine[-1] == "ok"
    assert "was killed by SIGKILL; restarting" in server.stderr()
    assert server.stop() == 0


def test_worker_that_keeps_dying_is_restarted_with_back_off(start_server):
    """A worker killed right after each start is restarted after 0, 0.5, 1 and 2 s (doubling up to
    10 s): the gaps between a kill and the replacement process are measured."""
    server = start_server("--processes", "1", "--dev")  # --dev: a single supervised worker
    gaps = []
    current = wait_for(lambda: children(server.pid), 10)
    for _ in range(4):
        assert current, server.describe()
        for pid in current:
            os.kill(pid, signal.SIGKILL)
        killed, dead = time.monotonic(), current
        current = wait_for(lambda dead=dead: children(server.pid) - dead, 20)
        gaps.append(time.monotonic() - killed)
    # Lower bounds are the schedule (a loaded machine only adds to them); upper bounds are loose.
    for gap, delay in zip(gaps, [0.0, 0.5, 1.0, 2.0], strict=True):
        assert delay - 0.05 <= gap < delay + 5, gaps
    assert "restarting now" in server.stderr() and "restarting in 2.0s" in server.stderr(), server.describe()
    assert server.stop() == 0


def test_sigterm_drains_in_flight_requests_across_processes(start_server):
    server = start_server("--processes", "2")
    assert wait_for(lambda: len(children(server.pid)) == 2, 10)
    wait_for(lambda: len(worker_pids_seen(server.port, 2, tries=20)) == 2, 10)
    results = []
    key = uuid.uuid4().hex

    def slow() -> None:
        with httpx.Client(base_url=server.url, timeout=20) as client:
            # a 2 s handler (nobody else joins the rendezvous)
            params = {"key": key, "want": 99, "timeout": 2}
            results.append(client.get("/rendezvous", params=params).status_code)

    threads = [threading.Thread(target=slow) for _ in range(4)]
    for t in threads:
        t.start()
    # All four are inside their handlers (counted per worker) before the SIGTERM.
    assert wait_for(lambda: sum(in_flight_per_worker(server.url, key).values()) == 4, 10), "not all in flight"
    workers = children(server.pid)
    server.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(10)
    assert server.wait() == 0
    assert results == [200] * 4
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")], "orphaned workers"


def test_workers_lifetime_recycles_workers(start_server):
    server = start_server("--processes", "1", "--workers-lifetime", "1.5")
    (first,) = wait_until_serving(server, 1)
    stop = threading.Event()
    failures: list[str] = []
    answered_by: set[int] = set()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                # A new connection per request; a generous timeout: a slow answer while the
                # replacement starts on a loaded machine is not a refused one.
                with httpx.Client(base_url=server.url, timeout=30) as client:
                    answered_by.add(client.get("/pid").raise_for_status().json()["pid"])
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
            time.sleep(0.02)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    # Asked throughout the handover: until the replacement answered and the first worker is gone.
    handed_over = wait_for(lambda: answered_by - {first} and first not in children(server.pid), WORKER_START_TIMEOUT)
    stop.set()
    asker.join(30)
    assert handed_over, server.describe()
    # The old worker serves until its replacement listens: no request is refused meanwhile.
    assert failures == []
    assert "reached its lifetime" in server.stderr()
    assert server.stop() == 0


def test_max_rss_recycles_workers_without_refusing_requests(start_server):
    """--max-rss 1 (MiB): every worker is over the limit as soon as it listens, so workers are
    replaced one after another. Under steady load no request fails meanwhile: none is dropped or
    cut by a worker being stopped (connections wait in the supervisor's one accept queue)."""
    server = start_server("--processes", "1", "--max-rss", "1")
    stop = threading.Event()
    failures: list[str] = []
    answered: list[int] = []

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                # a new connection per request: each one goes to whichever worker listens now
                answered.append(httpx.get(f"{server.url}/pid", timeout=10).json()["pid"])
            except httpx.HTTPError as exc:
                failures.append(repr(exc))

    askers = [threading.Thread(target=keep_asking) for _ in range(2)]
    for t in askers:
        t.start()
    # Three different workers answered: at least two replacements happened under the load.
    seen = wait_for(lambda: len(set(answered)) >= 3, 30)
    stop.set()
    for t in askers:
        t.join(15)
    assert seen, server.describe()
    assert failures == [], failures[:5]
    assert "above --max-rss 1" in server.stderr()
    assert server.stop() == 0


def test_supervisor_killed_leaves_no_orphans(start_server):
    server = start_server("--processes", "2")
    workers = wait_for(lambda: children(server.pid) if len(children(server.pid)) == 2 else None, 10)
    server.send_signal(signal.SIGKILL)
    server.wait()
    gone = wait_for(lambda: not [pid for pid in workers if os.path.exists(f"/proc/{pid}")], 10)
    assert gone, "workers outlived their supervisor"


@pytest.mark.parametrize("where", ["project", "reload-dir", "imported-from-outside"])
def test_dev_reload_picks_up_an_edited_handler(tmp_path, where):
    """--dev restarts the workers when a Python file changes: in the project (BASE_DIR), in a
    directory outside it given with --reload-dir, or a module outside it that the API imports.
    Each worker knows how many reloads came before it."""
    project = tmp_path / "proj"
    project.mkdir()
    lib = project if where == "project" else tmp_path / "lib"
    lib.mkdir(exist_ok=True)
    db = str(tmp_path / "db.sqlite3")
    (project / "settings.py").write_text(
        textwrap.dedent(
            f"""
            SECRET_KEY = "x"
            ALLOWED_HOSTS = ["127.0.0.1"]
            INSTALLED_APPS = ["django_bolt"]
            DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
            BOLT_API = "reloadapi.api"
            BASE_DIR = {str(project)!r}
            """
        )
    )
    (project / "reloadapi.py").write_text(
        "import os\nfrom django_bolt import BoltAPI\nfrom values import V\n\napi = BoltAPI()\n\n"
        '@api.get("/v")\nasync def v():\n    return {"v": V, "reloads": os.environ["DJANGO_BOLT_DEV_RELOAD_COUNT"]}\n'
    )
    handler = lib / "values.py"  # the file edited below
    handler.write_text("V = 1\n")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project), str(lib)]), "DJANGO_SETTINGS_MODULE": "settings"}
    log = open(tmp_path / "out.log", "wb")
    extra = ["--reload-dir", str(lib)] if where == "reload-dir" else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "django", "runbolt", "--port", str(port), "--dev", *extra],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/v"

        def version():
            try:
                body = httpx.get(url, timeout=2).json()
                return body["v"], body["reloads"]
            except (httpx.HTTPError, ValueError, KeyError):
                return None

        assert wait_for(lambda: version() == (1, "0"), 20), (tmp_path / "out.log").read_text()
        time.sleep(1.1)  # a new mtime
        handler.write_text("V = 2\n")
        assert wait_for(lambda: version() == (2, "1"), 20), (tmp_path / "out.log").read_text()
        workers = children(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
        log.close()
    assert code == 0
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]
    # The port is free again.
    import socket

    with socket.socket() as s:
        # SO_REUSEADDR, as a server would: a connection the server closed first (one answered by
        # a worker draining during the reload) leaves the port in TIME_WAIT, which is not "in use"
        # for a listener; a socket still listening there would fail this bind all the same.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
    assert shutil.which("ps")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigint_stops_the_supervisor_and_its_workers(start_server):
    server = start_server("--processes", "2")
    workers = wait_for(lambda: children(server.pid) if len(children(server.pid)) == 2 else None, 10)
    server.send_signal(signal.SIGINT)
    assert server.wait() == 0
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]


def refused_within(port: int, timeout: float) -> float | None:
    """Seconds until a new connection to ``port`` is refused, or None if it never is in time."""
    import socket

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pass
        except ConnectionRefusedError:
            return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.01)
    return None


def test_sigterm_refuses_new_clients_at_once_while_in_flight_requests_finish(start_server, tmp_path):
    """The listening socket is shared by the supervisor and its workers: while any process keeps it
    open, the kernel accepts new clients nobody will answer. The drain closes it everywhere first."""
    from urllib.parse import quote

    from tests.server.wire import RawConnection

    server = start_server("--processes", "2")
    assert wait_for(lambda: len(worker_pids_seen(server.port, 2, tries=40)) == 2, 15), server.describe()
    marker = tmp_path / "running"
    delay = 3.0
    with RawConnection(server.port, timeout=10) as conn:
        conn.request("GET", f"/slow-marked?delay={delay}&marker={quote(str(marker))}")
        assert wait_for(marker.exists, 10), "the slow request never started"
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        refused_after = refused_within(server.port, delay)
        r = conn.read_response(timeout=10)
        answered_after = time.monotonic() - started
    assert refused_after is not None and refused_after < 1.0, (refused_after, server.describe())
    assert r.status == 200 and r.json() == {"slept": delay}, r.body
    assert r.header("connection") == "close"
    assert refused_after < answered_after
    assert server.wait() == 0, server.describe()
    assert "accept failed" not in server.stderr()  # the workers take the closed socket as "drain"


def test_respawn_off_leaves_a_dead_worker_dead(start_server):
    """BOLT_RESPAWN_FAILED_WORKERS = False: a killed worker is not replaced (with it on, the first
    death is replaced at once), the other worker serves alone, and the supervisor stops cleanly."""
    server = start_server("--processes", "2", BOLT_TEST_RESPAWN="0")
    workers = wait_for(lambda: seen if len(seen := children(server.pid)) == 2 else None, 10)
    assert workers, server.describe()
    victim, survivor = sorted(workers)
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: "not restarting" in server.stderr(), 10), server.describe()
    # Observed for 2 s: only the survivor, and it answers.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        assert children(server.pid) == {survivor}, server.describe()
        time.sleep(0.05)
    assert worker_pids_seen(server.port, 2, tries=20) == {survivor}
    assert children(server.pid) == {survivor}
    assert server.stop() == 0, server.describe()


def in_flight_per_worker(url: str, key: str) -> dict[int, int]:
    """{worker pid: rendezvous requests with ``key`` inside its handlers}, once both answered."""
    seen: dict[int, int] = {}
    with httpx.Client(base_url=url, timeout=5, headers={"Connection": "close"}) as client:
        for _ in range(200):
            answer = client.get("/in-flight", params={"key": key}).json()
            seen[answer["pid"]] = answer["in_flight"]
            if len(seen) == 2:
                break
    return seen


def _in_flight(url: str, key: str) -> int:
    return httpx.get(f"{url}/in-flight", params={"key": key}, timeout=5).json()["in_flight"]


def test_workers_kill_timeout_bounds_a_retiring_workers_drain(start_server):
    """A worker retired (--workers-lifetime) while a request holds it gets --workers-kill-timeout
    seconds after SIGTERM, then SIGKILL, however long its own drain (shutdown grace 30 s) or the
    request (20 s) would take."""
    kill_timeout = 1.0
    server = start_server(
        "--processes",
        "1",
        "--workers-lifetime",
        "3",
        "--workers-kill-timeout",
        str(kill_timeout),
        BOLT_TEST_SHUTDOWN_GRACE="30",
    )
    (old,) = wait_for(lambda: children(server.pid), 10)
    key = uuid.uuid4().hex
    outcome: list[object] = []

    def held() -> None:
        try:
            outcome.append(
                httpx.get(f"{server.url}/sync-rendezvous", params={"key": key, "want": 2, "timeout": 20}, timeout=30)
            )
        except httpx.TransportError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=held)
    thread.start()
    assert wait_for(lambda: _in_flight(server.url, key) == 1, 10), "the request never reached the worker"
    assert wait_for(lambda: "reached its lifetime" in server.stderr(), 15), server.describe()
    # The old worker gets SIGTERM once its replacement listens, so after the replacement exists.
    assert wait_for(lambda: children(server.pid) - {old}, 15), server.describe()
    replacement_seen = time.monotonic()
    assert wait_for(lambda: not os.path.exists(f"/proc/{old}") or _zombie(old), 20), "old worker still alive"
    lived = time.monotonic() - replacement_seen
    thread.join(30)
    # Killed, not drained: the held request was cut rather than answered after 20 s.
    assert outcome and isinstance(outcome[0], httpx.TransportError), outcome
    assert "did not stop in time; killing it" in server.stderr(), server.describe()
    # At least the kill timeout after SIGTERM (which came after the replacement appeared); at most
    # the replacement's start-up plus the kill timeout, far below the 20 s the drain would take.
    assert kill_timeout - 0.1 <= lived < 12, lived
    assert server.stop() == 0, server.describe()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


def test_respawn_flag_supervises_even_one_process(start_server):
    """--respawn-failed-workers with one process: a supervisor starts it, and replaces it when it dies."""
    server = start_server("--respawn-failed-workers")
    first = wait_for(lambda: seen if len(seen := children(server.pid)) == 1 else None, 10)
    assert first, server.describe()
    os.kill(next(iter(first)), signal.SIGKILL)
    replaced = wait_for(lambda: seen if len(seen := children(server.pid)) == 1 and seen != first else None, 15)
    assert replaced, server.describe()
    assert wait_for(lambda: worker_pids_seen(server.port, 1, tries=5) == replaced, 15), server.describe()
    assert server.stop() == 0, server.describe()


def test_supervisor_exits_with_failure_once_every_worker_died(start_server):
    """Without restarts, a supervisor whose workers all died exits 1 so a process manager sees it."""
    server = start_server("--processes", "2", BOLT_TEST_RESPAWN="0")
    workers = wait_for(lambda: seen if len(seen := children(server.pid)) == 2 else None, 10)
    assert workers, server.describe()
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    assert server.wait() == 1, server.describe()
    assert "exiting with status 1" in server.stderr()
