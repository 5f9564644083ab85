"""The work of the `GET /orm` handler without a server: what any server must at least spend.

Run under callgrind; the counters are zeroed after a warm-up and dumped after N queries:

    cd bench/app && BENCH_DB_PATH=<migrated and seeded sqlite> valgrind --tool=callgrind \\
        --callgrind-out-file=/tmp/floor.cg python ../orm_floor.py MODE 100
    grep summary /tmp/floor.cg.1      # divide by 100

MODE: ``sync`` (the query and dicts, no async), ``inline`` (``async for`` as the handler does, with
the executor replaced by a direct call: asgiref's and Django's async layers, no thread; unsafe,
for measurement only), ``thread`` (the same on a stock asyncio loop, with asgiref's thread).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "app"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchproject.settings")
import django  # noqa: E402

mode, count = sys.argv[1], int(sys.argv[2])
if mode == "inline":
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"  # the query runs on the loop's thread here
django.setup()

from benchapp.models import Row  # noqa: E402


def callgrind(command: str) -> None:
    subprocess.run(["callgrind_control", command, str(os.getpid())], capture_output=True, check=False)


def sync_rows() -> list[dict]:
    return [{"id": r.id, "name": r.name, "value": r.value} for r in Row.objects.order_by("id")[:10]]


async def async_rows() -> list[dict]:
    return [{"id": r.id, "name": r.name, "value": r.value} async for r in Row.objects.order_by("id")[:10]]


class InlineLoop(asyncio.SelectorEventLoop):
    def run_in_executor(self, executor, func, *args):
        future = self.create_future()
        future.set_result(func(*args))
        return future


async def many() -> None:
    for _ in range(20):
        await async_rows()
    callgrind("--zero")
    for _ in range(count):
        await async_rows()
    callgrind("--dump")


if mode == "sync":
    for _ in range(20):
        sync_rows()
    callgrind("--zero")
    for _ in range(count):
        sync_rows()
    callgrind("--dump")
else:
    loop = InlineLoop() if mode == "inline" else asyncio.SelectorEventLoop()
    loop.run_until_complete(many())
