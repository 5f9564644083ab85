#!/usr/bin/env python3
"""Instructions per ``await asyncio.sleep(...)`` with 1,000 tasks sleeping: the server's
``BoltEventLoop`` against a stock asyncio loop, counted by valgrind's callgrind.

Each task sleeps for 1 ns in a loop, so every timer is due at the next pass and the count does not
depend on the clock. The figure is the difference between a run of ``--sleeps`` sleeps per task
and one of 2, divided by the extra sleeps: start-up and interpreter costs cancel out.

    python bench/loop_timers.py                      # both loops, this interpreter
    python bench/loop_timers.py --python /path/to/venv/bin/python --loops bolt
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

TASKS = 1000

_WORKLOAD = """
import asyncio, sys
from django_bolt._runtime import BoltEventLoop

async def sleeper(times):
    for _ in range(times):
        await asyncio.sleep(1e-9)

async def main(times):
    await asyncio.gather(*(sleeper(times) for _ in range({tasks})))

loop = BoltEventLoop() if sys.argv[1] == "bolt" else asyncio.SelectorEventLoop()
loop.run_until_complete(main(int(sys.argv[2])))
loop.close()
"""


def instructions(python: str, loop: str, sleeps: int) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-c", _WORKLOAD.format(tasks=TASKS)]
        + [loop, str(sleeps)],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--loops", default="stock,bolt", help="comma list from: stock, bolt")
    parser.add_argument("--sleeps", type=int, default=22, help="sleeps per task in the long run")
    args = parser.parse_args()
    for loop in args.loops.split(","):
        short, long = instructions(args.python, loop, 2), instructions(args.python, loop, args.sleeps)
        per_sleep = (long - short) / (TASKS * (args.sleeps - 2))
        print(f"{loop:6} {per_sleep:10,.0f} instructions per sleep ({TASKS} tasks)", flush=True)


if __name__ == "__main__":
    main()
