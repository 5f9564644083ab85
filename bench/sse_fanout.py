#!/usr/bin/env python3
"""Server-Sent Events fan-out: ours vs the public release, side by side.

Both servers run ``bench/app`` (its ``/sse`` route: an ``EventSourceResponse`` whose async generator
yields one JSON event every ``--interval`` seconds) with ``runbolt`` pinned to one CPU, as
``bench/run.py`` starts them. A client process pinned to another CPU opens ``--clients``
connections (asyncio, raw sockets), waits until every stream has sent its first event, then counts
the events delivered to all clients during ``--seconds``. Reported per server and round: events
delivered per second (the demand is clients / interval, so at the default 1,000 x 10 ms = 100,000/s
the number is what the server can deliver), the server's CPU µs per delivered event, and its RSS
(process tree) with every client connected.

    python bench/sse_fanout.py                  # ours vs upstream, 2 interleaved rounds
    python bench/sse_fanout.py --quick          # smoke run: 100 clients, 2 s, 1 round
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rounds import add_common_args, run_rounds, summarize  # noqa: E402
from run import (  # noqa: E402
    ServerProcess,
    children_cpu_seconds,
    free_port,
    system_busy_seconds,
    tree_cpu_seconds,
    tree_mem_kib,
)

# --------------------------------------------------------------------------- client (own process)


async def _client(port: int, clients: int, seconds: float, interval: float) -> dict[str, Any]:
    counts = [0] * clients
    counting = False
    ready = asyncio.Event()
    first_events = 0

    async def subscribe(i: int) -> None:
        nonlocal first_events
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /sse?interval={interval} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"unexpected response head {head[:200]!r}")
        await reader.readuntil(b"\n\n")
        first_events += 1
        if first_events == clients:
            ready.set()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    raise RuntimeError("stream ended early")
                if counting:
                    # Every event ends with a blank line; chunk framing adds none of these.
                    counts[i] += data.count(b"\n\n")
        finally:
            writer.close()

    tasks = [asyncio.create_task(subscribe(i)) for i in range(clients)]
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait([waiter, *tasks], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        for t in done:
            t.result()
        raise RuntimeError(f"only {first_events} of {clients} streams started within 60 s")
    print(json.dumps({"connected": True}), flush=True)
    counting = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    counting = False
    elapsed = time.perf_counter() - started
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"events": sum(counts), "seconds": elapsed, "min_per_client": min(counts)}


def client_main(argv: list[str]) -> int:
    port, clients = int(argv[0]), int(argv[1])
    seconds, interval = float(argv[2]), float(argv[3])
    print(json.dumps(asyncio.run(_client(port, clients, seconds, interval))), flush=True)
    return 0


# --------------------------------------------------------------------------- driver


def bench_once(args: argparse.Namespace, spec: Any, workdir: Path, round_no: int) -> dict[str, Any]:
    port = free_port()
    server = ServerProcess(spec, port, args.server_cpu, workdir / f"{spec.name}-{round_no}.log")
    client = None
    try:
        server.wait_ready(30)
        cmd = ["taskset", "-c", args.client_cpu, sys.executable, __file__, "--client"]
        cmd += [str(port), str(args.clients), str(args.seconds), str(args.interval)]
        children_before = children_cpu_seconds()
        client = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert client.stdout is not None
        line = client.stdout.readline()  # blocks until every stream has its first event
        if not line:
            raise RuntimeError(f"client failed:\n{client.communicate(timeout=10)[1][-3000:]}")
        cpu_before, busy_before = tree_cpu_seconds(server.pid), system_busy_seconds()
        client_before, wall_before = tree_cpu_seconds(client.pid), time.monotonic()
        time.sleep(args.seconds / 2)
        rss_kib = tree_mem_kib(server.pid, "VmRSS")
        out, err = client.communicate(timeout=args.seconds + 60)
        wall = time.monotonic() - wall_before
        cpu = tree_cpu_seconds(server.pid) - cpu_before
        busy = system_busy_seconds() - busy_before
        # The client has been reaped: its whole CPU is in this process's children's.
        client_cpu = children_cpu_seconds() - children_before - client_before
        if client.returncode != 0:
            raise RuntimeError(f"client failed:\n{err[-3000:]}")
        result = json.loads(out.strip().splitlines()[-1])
        if not server.alive():
            raise RuntimeError(f"{spec.name} server died\n{server.log_tail()}")
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        server.stop()
    result.update(
        server=spec.name,
        round=round_no,
        per_second=result["events"] / result["seconds"],
        cpu_us=cpu / max(result["events"], 1) * 1e6,
        rss_mib=rss_kib / 1024,
        # Cores kept busy by anything other than this server and client (builds, other tests).
        other_load=max(0.0, (busy - cpu - client_cpu) / wall) if wall > 0 else 0.0,
    )
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--interval", type=float, default=0.01, help="seconds between one stream's events")
    p.add_argument("--seconds", type=float, default=8.0, help="measured seconds per run")
    p.add_argument("--quick", action="store_true", help="100 clients, 2 s, 1 round")
    args = p.parse_args(argv)
    if args.quick:
        args.clients, args.seconds, args.rounds = 100, 2.0, 1
    return args


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--client"]:
        return client_main(sys.argv[2:])
    args = parse_args(argv)
    runs = run_rounds(
        "sse-bench",
        args,
        bench_once,
        (
            f"{args.clients} clients, one event per {args.interval * 1e3:g} ms each, {args.seconds:g} s "
            f"measured, {args.rounds} round(s)"
        ),
        lambda r: (
            f"{r['per_second']:9,.0f} events/s  server CPU {r['cpu_us']:.1f} µs/event  RSS {r['rss_mib']:.1f} MiB  "
            f"slowest client {r['min_per_client']} events  other load {r['other_load']:.2f}"
        ),
    )
    if runs is None:
        return 130
    summary = summarize(runs, ("per_second", "cpu_us", "rss_mib"))
    print(
        f"\n| server | events/s delivered ({args.clients} clients) | server CPU µs/event | RSS MiB |\n|---|---|---|---|"
    )
    for name, s in summary.items():
        print(f"| {name} | {s['per_second']:,.0f} | {s['cpu_us']:.1f} | {s['rss_mib']:.1f} |")
    if "ours" in summary and "upstream" in summary:
        ours, up = summary["ours"], summary["upstream"]
        print(
            f"\nours/upstream: events/s {ours['per_second'] / up['per_second']:.2f}x, "
            f"CPU per event {ours['cpu_us'] / up['cpu_us']:.2f}x, RSS {ours['rss_mib'] / up['rss_mib']:.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
