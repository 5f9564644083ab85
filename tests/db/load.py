"""Steady request load from client threads, every outcome recorded with its start and end time."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Outcome:
    path: str
    started: float
    ended: float
    status: int  # 0: no HTTP answer


class Load:
    """``threads`` clients cycling through ``paths`` until ``stop()``."""

    def __init__(self, url: str, paths: list[str], threads: int = 6, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.paths = paths
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
        assert not any(t.is_alive() for t in self._threads), "a load thread did not finish"

    def _run(self, offset: int) -> None:
        paths = itertools.islice(itertools.cycle(self.paths), offset, None)
        with httpx.Client(base_url=self.url, timeout=10.0, headers=self.headers) as client:
            for path in paths:
                if self._stop.is_set():
                    return
                started = time.monotonic()
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError:
                    status = 0
                with self._lock:
                    self.outcomes.append(Outcome(path, started, time.monotonic(), status))

    def count(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def wait_for_requests(self, n: int, timeout: float = 30.0) -> None:
        """Until ``n`` more requests have finished."""
        target = self.count() + n
        deadline = time.monotonic() + timeout
        while self.count() < target:
            assert time.monotonic() < deadline, f"the load made no progress ({self.count()} of {target})"
            time.sleep(0.02)
