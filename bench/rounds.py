"""Interleaved benchmark rounds shared by the scripts that drive their own clients
(sse_fanout.py, ws_echo.py): prepare each server once, then run ``--rounds`` rounds alternating
ours/upstream so slow drifts of the machine hit both alike."""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import prepare_server  # noqa: E402

BenchOnce = Callable[[argparse.Namespace, Any, Path, int], dict[str, Any]]


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """The options ``run_rounds`` reads, plus ``--json`` for the results; each script adds its own load
    options (and ``--quick``, whose meaning differs per script)."""
    parser.add_argument("--servers", default="ours,upstream")
    parser.add_argument("--ours-python", default=sys.executable)
    parser.add_argument("--upstream-python", default="/work/upstream-venv/bin/python")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--client-cpu", default="1")
    parser.add_argument("--json", type=Path)


def run_rounds(
    tag: str, args: argparse.Namespace, bench_once: BenchOnce, banner: str, describe: Callable[[dict[str, Any]], str]
) -> list[dict[str, Any]] | None:
    """Every round's result (``bench_once``'s dicts, each with a ``server`` key); None if interrupted."""
    if shutil.which("taskset") is None:
        sys.exit("error: taskset is required (util-linux)")
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    python_for = {"ours": args.ours_python, "upstream": args.upstream_python}
    workdir = Path(tempfile.mkdtemp(prefix=f"django-bolt-{tag}-"))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    runs: list[dict[str, Any]] = []
    try:
        specs = {}
        for name in servers:
            specs[name] = prepare_server(name, python_for[name], workdir, inherit_pythonpath=(name == "ours"))
            print(f"{tag}: {name}: django_bolt {specs[name].versions} from {specs[name].bolt_location}", flush=True)
        print(f"{tag}: {banner}; server on CPU {args.server_cpu}, client on CPU {args.client_cpu}", flush=True)
        for round_no in range(1, args.rounds + 1):
            for name in servers:
                result = bench_once(args, specs[name], workdir, round_no)
                runs.append(result)
                print(f"{tag}: round {round_no} {name:9s} {describe(result)}", flush=True)
    except KeyboardInterrupt:
        print(f"{tag}: interrupted", file=sys.stderr)
        return None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return runs


def summarize(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Per server, the mean over its rounds of each of ``keys``."""
    summary: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r["server"] for r in runs):
        rs = [r for r in runs if r["server"] == name]
        summary[name] = {k: statistics.mean(r[k] for r in rs) for k in keys}
    return summary
