#!/usr/bin/env python3
"""WebSocket echo round trips: ours vs the public release, side by side.

Both servers run ``bench/app`` (its ``/ws/echo`` route) with ``runbolt`` pinned to one CPU, exactly
as ``bench/run.py`` starts them. A client process pinned to another CPU opens N connections with
the ``websockets`` library and makes M sequential round trips on each (all connections at once):
send a short text message, wait for its echo. Reported per server and round: round trips per
second, p50/p99 round-trip latency and the server's CPU µs per round trip (process-tree user+system
time during the measured client run / round trips), the number that does not depend on how fast
the Python client is.

    python bench/ws_echo.py                         # ours vs upstream, 2 interleaved rounds
    python bench/ws_echo.py --quick                 # smoke run
    python bench/ws_echo.py --connections 50 --round-trips 2000 --json out.json

The client runs with the interpreter that runs this script (it needs ``websockets``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
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
)

MESSAGE = "x" * 32


# --------------------------------------------------------------------------- client (own process)


async def _client(port: int, connections: int, round_trips: int) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/echo"
    sockets = [await connect(url, ping_interval=None, compression=None) for _ in range(connections)]
    latencies: list[float] = []

    async def drive(ws: Any) -> None:
        clock = time.perf_counter
        for _ in range(round_trips):
            started = clock()
            await ws.send(MESSAGE)
            if await ws.recv() != MESSAGE:
                raise RuntimeError("echo mismatch")
            latencies.append(clock() - started)

    started = time.perf_counter()
    await asyncio.gather(*(drive(ws) for ws in sockets))
    elapsed = time.perf_counter() - started
    for ws in sockets:
        await ws.close()
    latencies.sort()
    return {
        "round_trips": len(latencies),
        "seconds": elapsed,
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1e3,
    }


def client_main(argv: list[str]) -> int:
    port, connections, round_trips = (int(v) for v in argv)
    print(json.dumps(asyncio.run(_client(port, connections, round_trips))))
    return 0


# --------------------------------------------------------------------------- driver


def run_client(args: argparse.Namespace, port: int, round_trips: int) -> dict[str, Any]:
    cmd = ["taskset", "-c", args.client_cpu, sys.executable, __file__, "--client"]
    cmd += [str(port), str(args.connections), str(round_trips)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if res.returncode != 0:
        raise RuntimeError(f"client failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def bench_once(args: argparse.Namespace, spec: Any, workdir: Path, round_no: int) -> dict[str, Any]:
    port = free_port()
    server = ServerProcess(spec, port, args.server_cpu, workdir / f"{spec.name}-{round_no}.log")
    try:
        server.wait_ready(30)
        run_client(args, port, args.warmup_round_trips)
        cpu_before, busy_before = tree_cpu_seconds(server.pid), system_busy_seconds()
        client_before, wall_before = children_cpu_seconds(), time.monotonic()
        result = run_client(args, port, args.round_trips)
        wall = time.monotonic() - wall_before
        cpu = tree_cpu_seconds(server.pid) - cpu_before
        client_cpu = children_cpu_seconds() - client_before
        busy = system_busy_seconds() - busy_before
        if not server.alive():
            raise RuntimeError(f"{spec.name} server died\n{server.log_tail()}")
    finally:
        server.stop()
    result.update(
        server=spec.name,
        round=round_no,
        per_second=result["round_trips"] / result["seconds"],
        cpu_us=cpu / result["round_trips"] * 1e6,
        client_cpu_us=client_cpu / result["round_trips"] * 1e6,
        # Cores kept busy by anything other than this server and client (builds, other tests).
        other_load=max(0.0, (busy - cpu - client_cpu) / wall) if wall > 0 else 0.0,
    )
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(p)
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--round-trips", type=int, default=1000, help="per connection (default: 1000)")
    p.add_argument("--warmup-round-trips", type=int, default=100)
    p.add_argument("--quick", action="store_true", help="10 connections x 200 round trips, 1 round")
    p.add_argument("--timeout", type=float, default=300, help="seconds one client run may take")
    args = p.parse_args(argv)
    if args.quick:
        args.connections, args.round_trips, args.rounds = 10, 200, 1
    return args


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--client"]:
        return client_main(sys.argv[2:])
    args = parse_args(argv)
    runs = run_rounds(
        "ws-bench",
        args,
        bench_once,
        f"{args.connections} connections x {args.round_trips} round trips, {args.rounds} round(s)",
        lambda r: (
            f"{r['per_second']:9,.0f} rt/s  p50 {r['p50_ms']:.2f} ms  "
            f"p99 {r['p99_ms']:.2f} ms  server CPU {r['cpu_us']:.1f} µs/rt  other load {r['other_load']:.2f}"
        ),
    )
    if runs is None:
        return 130
    summary = summarize(runs, ("per_second", "p50_ms", "p99_ms", "cpu_us"))
    print("\n| server | round trips/s | p50 ms | p99 ms | server CPU µs/round trip |\n|---|---|---|---|---|")
    for name, s in summary.items():
        print(f"| {name} | {s['per_second']:,.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['cpu_us']:.1f} |")
    if "ours" in summary and "upstream" in summary:
        ours, up = summary["ours"], summary["upstream"]
        print(
            f"\nours/upstream: throughput {ours['per_second'] / up['per_second']:.2f}x, "
            f"server CPU per round trip {ours['cpu_us'] / up['cpu_us']:.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
