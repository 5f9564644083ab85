"""The event loop's timers and ready queue with less Python per callback.

asyncio keeps its timers in a heap of ``TimerHandle`` objects ordered by ``TimerHandle.__lt__``,
a Python method that ``heapq`` calls about ten times per push or pop on a heap of 1,000 timers
(one per open Server-Sent Events stream, each ``await asyncio.sleep(...)``). This heap holds
``(when, sequence, handle)`` tuples instead: tuples of a float and an int compare in C, and the
sequence number puts timers due at the same moment in the order they were scheduled (asyncio
leaves that order undefined). ``call_at``/``call_later``/``call_soon`` still return asyncio's own
``TimerHandle``/``Handle`` objects, and debug mode still takes asyncio's code paths.
"""

from __future__ import annotations

import asyncio
import itertools
from asyncio import events
from asyncio.futures import _set_result_unless_cancelled
from asyncio.log import logger
from collections.abc import Callable
from heapq import heapify, heappop, heappush
from time import monotonic
from typing import Any

TimerHandle = events.TimerHandle
Handle = events.Handle
AsyncioFuture = asyncio.Future

#: asyncio's own limits: the cancelled timers are swept out of the heap in one go once there are
#: more than this many timers and more than half of them are cancelled (otherwise they leave the
#: heap when they reach its top)...
SWEEP_ABOVE_TIMERS = 100
#: ...and ``select`` never waits longer than a day (some platforms refuse longer timeouts).
LONGEST_SELECT_WAIT = 24 * 3600.0


def _describe(handle: Any) -> str:
    """How debug mode's "Executing ... took N seconds" warning names a callback (a task's step
    by its task)."""
    owner = getattr(handle._callback, "__self__", None)
    return repr(owner) if isinstance(owner, asyncio.Task) else str(handle)


class TupleTimerHeapMixin:
    """Overrides the loop methods that read or write ``_scheduled`` (and ``call_soon``) for a loop
    class derived from asyncio's ``BaseEventLoop``; put it before that class in the bases."""

    _scheduled: list[tuple[float, int, asyncio.TimerHandle]]
    _ready: Any
    _debug: bool
    _closed: bool
    _stopping: bool
    _timer_cancelled_count: int
    _clock_resolution: float
    _current_handle: Any
    _selector: Any
    slow_callback_duration: float

    #: ``loop.time()``: asyncio's clock (``BaseEventLoop.time`` returns it), called here and by
    #: ``asyncio.timeout()`` without a Python frame around it.
    time = staticmethod(monotonic)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._next_timer_sequence: Callable[[], int] = itertools.count().__next__
        super().__init__(*args, **kwargs)

    def call_soon(self, callback: Callable[..., Any], *args: Any, context: Any = None) -> asyncio.Handle:
        if self._debug or self._closed:
            # asyncio's checks (thread, callback type, closed loop) and its traceback of the call.
            handle = super().call_soon(callback, *args, context=context)  # type: ignore[misc]
            if handle._source_traceback:
                del handle._source_traceback[-1]  # this frame: the caller's is last, as in asyncio
            return handle
        handle = Handle(callback, args, self, context)  # type: ignore[arg-type]
        self._ready.append(handle)
        return handle

    def call_at(
        self, when: float, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        if when is None:
            raise TypeError("when cannot be None")
        if self._debug or self._closed:
            self._check_closed()  # type: ignore[attr-defined]
            if self._debug:
                self._check_thread()  # type: ignore[attr-defined]
                self._check_callback(callback, "call_at")  # type: ignore[attr-defined]
        timer = TimerHandle(when, callback, args, self, context)  # type: ignore[arg-type]
        if timer._source_traceback:
            del timer._source_traceback[-1]  # this frame
        heappush(self._scheduled, (when, self._next_timer_sequence(), timer))
        timer._scheduled = True  # type: ignore[attr-defined]
        return timer

    def call_later(
        self, delay: float, callback: Callable[..., Any], *args: Any, context: Any = None
    ) -> asyncio.TimerHandle:
        if delay is None:
            raise TypeError("delay must not be None")
        if self._debug or self._closed:
            timer = self.call_at(self.time() + delay, callback, *args, context=context)
            if timer._source_traceback:
                del timer._source_traceback[-1]
            return timer
        # call_at's work without its second call and argument re-packing (the common path).
        when = self.time() + delay
        timer = TimerHandle(when, callback, args, self, context)  # type: ignore[arg-type]
        heappush(self._scheduled, (when, self._next_timer_sequence(), timer))
        timer._scheduled = True  # type: ignore[attr-defined]
        return timer

    def _sweep_cancelled_timers(self, heap: list[tuple[float, int, asyncio.TimerHandle]]) -> None:
        """Rebuilds the heap from its live timers, in place (Rust holds the list between steps)."""
        live = []
        for entry in heap:
            if entry[2]._cancelled:  # type: ignore[attr-defined]
                entry[2]._scheduled = False  # type: ignore[attr-defined]
            else:
                live.append(entry)
        heapify(live)
        heap[:] = live
        self._timer_cancelled_count = 0

    def _run_once(self) -> None:
        """One pass of the loop: drop cancelled timers, wait for I/O no longer than the earliest
        live timer, queue the I/O callbacks and the due timers, then run what is ready now
        (callbacks those add wait for the next pass, after the next I/O poll)."""
        heap = self._scheduled
        count = len(heap)
        if count > SWEEP_ABOVE_TIMERS and self._timer_cancelled_count * 2 > count:
            self._sweep_cancelled_timers(heap)
        else:
            while heap and heap[0][2]._cancelled:  # type: ignore[attr-defined]
                heappop(heap)[2]._scheduled = False  # type: ignore[attr-defined]
                self._timer_cancelled_count -= 1

        ready = self._ready
        wait: float | None = None
        if ready or self._stopping:
            wait = 0
        elif heap:
            wait = heap[0][0] - self.time()
            if wait > LONGEST_SELECT_WAIT:
                wait = LONGEST_SELECT_WAIT
            elif wait < 0:
                wait = 0

        io_events = self._selector.select(wait)
        self._process_events(io_events)  # type: ignore[attr-defined]
        io_events = None  # no reference cycle through an exception's frames

        if heap:
            # Due within the clock's resolution counts as due, as in asyncio.
            due = self.time() + self._clock_resolution
            while heap and heap[0][0] < due:
                timer = heappop(heap)[2]
                timer._scheduled = False  # type: ignore[attr-defined]
                if timer._cancelled:  # type: ignore[attr-defined]
                    self._timer_cancelled_count -= 1
                else:
                    ready.append(timer)

        pending = len(ready)
        if self._debug:
            self._run_timed(pending)
            return
        take = ready.popleft
        for _ in range(pending):
            handle = take()
            if handle._cancelled:
                continue
            if handle._callback is _set_result_unless_cancelled:
                # asyncio.sleep's wake-up (and transports' waiters): Future.set_result without the
                # two Python frames around it. Done futures take asyncio's path (nothing when
                # cancelled, the exception handler otherwise).
                future, result = handle._args
                if type(future) is AsyncioFuture and not future.done():
                    future.set_result(result)
                    continue
            handle._run()
        handle = None  # no reference cycle through an exception's frames

    def _run_timed(self, pending: int) -> None:
        """Debug mode: runs ``pending`` ready callbacks, each as the loop's current handle, and
        warns about each that took ``slow_callback_duration`` or longer."""
        ready = self._ready
        for _ in range(pending):
            handle = ready.popleft()
            if handle._cancelled:
                continue
            self._current_handle = handle
            try:
                started = self.time()
                handle._run()
                took = self.time() - started
                if took >= self.slow_callback_duration:
                    logger.warning("Executing %s took %.3f seconds", _describe(handle), took)
            finally:
                self._current_handle = None
        handle = None
