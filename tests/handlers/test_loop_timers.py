"""The server loop's timers (``django_bolt._loop_timers``: a heap of ``(when, sequence, handle)``
tuples and its own ``_run_once``): asyncio's timer behaviour, on a real ``BoltEventLoop``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django_bolt._runtime import BoltEventLoop

DEADLINE = 5.0  # seconds a condition gets on a loaded machine; met in milliseconds normally


def nothing() -> None:
    pass


@pytest.fixture
def loop() -> Iterator[BoltEventLoop]:
    loop = BoltEventLoop()
    try:
        yield loop
    finally:
        loop.close()


@contextlib.contextmanager
def running_in_a_thread(loop: BoltEventLoop) -> Iterator[None]:
    """``loop.run_forever()`` on its own thread (as the server runs it) for the block."""
    started = threading.Event()
    loop.call_soon(started.set)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    assert started.wait(DEADLINE)
    try:
        yield
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(DEADLINE)
        assert not thread.is_alive()


def on_loop(loop: BoltEventLoop, action: Callable[[], Any]) -> Any:
    """Runs ``action`` on the running loop's thread and returns its result."""
    done = threading.Event()
    result: list[Any] = []

    def run() -> None:
        result.append(action())
        done.set()

    loop.call_soon_threadsafe(run)
    assert done.wait(DEADLINE)
    return result[0]


def test_timers_fire_in_when_order_and_equal_whens_in_scheduling_order(loop):
    fired: list[str] = []
    start = loop.time() + 0.02
    # Many timers share each moment, scheduled interleaved, so heap order alone would not keep
    # the ties in order.
    expected = {0.0: [], 0.001: [], 0.002: []}
    for i in range(60):
        offset = (0.002, 0.0, 0.001)[i % 3]
        label = f"{offset}-{i}"
        expected[offset].append(label)
        loop.call_at(start + offset, fired.append, label)
    loop.call_at(start + 0.002, loop.stop)  # the last of the last moment
    loop.run_forever()
    assert fired == expected[0.0] + expected[0.001] + expected[0.002]
    assert loop._scheduled == []


def test_call_later_orders_by_delay_not_by_scheduling(loop):
    fired: list[float] = []
    for delay in (0.03, 0.01, 0.02, 0.0):
        loop.call_later(delay, fired.append, delay)
    loop.call_later(0.031, loop.stop)
    loop.run_forever()
    assert fired == [0.0, 0.01, 0.02, 0.03]


def test_handles_are_asyncios_own(loop):
    timer = loop.call_later(10, nothing)
    at = loop.call_at(loop.time() + 20, nothing)
    soon = loop.call_soon(nothing)
    assert type(timer) is asyncio.TimerHandle and type(at) is asyncio.TimerHandle
    assert type(soon) is asyncio.Handle
    assert timer.when() <= at.when() - 9
    assert abs(loop.time() - time.monotonic()) < 1  # asyncio's clock
    with pytest.raises(TypeError):
        loop.call_later(None, nothing)
    with pytest.raises(TypeError):
        loop.call_at(None, nothing)


def test_cancelled_timers_never_run_and_leave_the_count(loop):
    fired: list[int] = []
    timers = [loop.call_later(0.001 * (i % 5), fired.append, i) for i in range(20)]
    for timer in timers[::2]:
        timer.cancel()
        timer.cancel()  # a second cancel counts nothing
    assert loop._timer_cancelled_count == 10
    loop.call_later(0.01, loop.stop)
    loop.run_forever()
    assert sorted(fired) == list(range(1, 20, 2))
    assert loop._scheduled == [] and loop._timer_cancelled_count == 0
    timers[1].cancel()  # already run: not in the heap, so not counted
    assert loop._timer_cancelled_count == 0


def test_a_callback_cancelled_once_queued_to_run_never_runs(loop):
    """Cancelled by a callback that runs before it in the same pass: a ``call_soon`` callback, and
    a timer already moved from the heap to the ready queue."""
    fired: list[str] = []
    errors: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    handles: dict[str, asyncio.Handle] = {}
    loop.call_soon(lambda: handles["soon"].cancel())
    handles["soon"] = loop.call_soon(fired.append, "soon")
    when = loop.time() + 0.01
    loop.call_at(when, lambda: handles["timer"].cancel())
    handles["timer"] = loop.call_at(when, fired.append, "timer")
    loop.call_at(when, fired.append, "kept")
    loop.call_at(when, loop.stop)
    loop.run_forever()
    assert fired == ["kept"] and errors == []


def test_a_heap_mostly_of_cancelled_timers_is_swept_in_one_pass(loop):
    far = [loop.call_later(3600 + i, nothing) for i in range(300)]
    for timer in far[:200]:
        timer.cancel()
    near = loop.call_later(3, nothing)  # cancelled timers both before and after it in the heap
    near.cancel()
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert len(loop._scheduled) == 100
    assert all(not entry[2].cancelled() for entry in loop._scheduled)
    assert loop._timer_cancelled_count == 0
    assert not any(t._scheduled for t in far[:200]) and all(t._scheduled for t in far[200:])


def test_a_few_cancelled_timers_stay_until_they_reach_the_top(loop):
    far = [loop.call_later(3600 + i, nothing) for i in range(300)]
    for timer in far[1:100]:
        timer.cancel()
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert len(loop._scheduled) == 300 and loop._timer_cancelled_count == 99
    far[0].cancel()  # now the cancelled ones are at the top: all are dropped there
    loop.call_soon(loop.stop)
    loop.run_forever()
    assert len(loop._scheduled) == 200 and loop._timer_cancelled_count == 0


def test_sleep_wait_for_and_timeout(loop):
    async def main() -> dict[str, Any]:
        began = loop.time()
        await asyncio.sleep(0.02)
        slept = loop.time() - began
        result = await asyncio.wait_for(asyncio.sleep(0.001, result="done"), 10)
        began = loop.time()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.sleep(10), 0.02)
        timed_out_after = loop.time() - began
        if sys.version_info >= (3, 11):
            began = loop.time()
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(10) as scope:
                    scope.reschedule(loop.time() + 0.02)  # moves its timer earlier
                    await asyncio.sleep(10)
            timed_out_after = max(timed_out_after, loop.time() - began)
        return {"slept": slept, "result": result, "timed_out_after": timed_out_after}

    body = loop.run_until_complete(main())
    assert body["slept"] >= 0.02 - loop._clock_resolution and body["result"] == "done"
    assert 0.02 - loop._clock_resolution <= body["timed_out_after"] < DEADLINE
    assert all(entry[2].cancelled() for entry in loop._scheduled)  # the 10 s sleeps are gone


def test_a_sleepers_wake_up_keeps_asyncios_outcomes(loop):
    """The callback ``asyncio.sleep`` schedules (``futures._set_result_unless_cancelled``) sets a
    pending future's result, leaves a cancelled one alone, and reports a future already resolved
    to the exception handler, as asyncio does."""
    from asyncio.futures import _set_result_unless_cancelled

    errors: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    pending, cancelled, resolved = loop.create_future(), loop.create_future(), loop.create_future()
    for future in (pending, cancelled, resolved):
        loop.call_later(0, _set_result_unless_cancelled, future, "woken")
    cancelled.cancel()
    resolved.set_result("first")
    loop.call_later(0, loop.stop)
    loop.run_forever()
    assert pending.result() == "woken" and cancelled.cancelled() and resolved.result() == "first"
    assert [type(e["exception"]) for e in errors] == [asyncio.InvalidStateError]


def test_a_far_timer_does_not_make_a_near_one_late(loop):
    """The loop waits for I/O only until the earliest live timer: scheduled after a far one and
    behind a cancelled one, on an otherwise idle loop, the near timer still fires on time."""
    fired = threading.Event()

    def schedule() -> None:
        loop.call_later(3600, nothing)
        loop.call_later(0.001, nothing).cancel()
        loop.call_later(0.02, fired.set)

    with running_in_a_thread(loop):
        began = time.monotonic()
        on_loop(loop, schedule)
        assert fired.wait(DEADLINE), "the near timer did not fire: the loop waited for the far one"
        assert time.monotonic() - began >= 0.02 - loop._clock_resolution


def test_a_timer_armed_by_a_pool_thread_under_the_lock_wakes_the_loop(loop):
    """A task resumed by the pool thread that finished its work (``_resolve``) arms a timer
    there while the loop thread waits with no timer at all: the loop is woken to wait for it."""
    fired = threading.Event()
    resumed_on: list[str] = []

    async def main() -> None:
        await loop.run_in_executor(None, int)  # creates the default pool (stock path)
        await loop.run_in_executor(None, int)  # resumed by the pool thread
        resumed_on.append(threading.current_thread().name)
        loop.call_later(0.02, fired.set)

    with running_in_a_thread(loop):
        task = on_loop(loop, lambda: loop.create_task(main()))
        assert fired.wait(DEADLINE), "the timer armed under the lock never fired"
        assert task.done() and task.exception() is None
    assert resumed_on[0].startswith("asyncio")  # the default pool's thread, not the loop's
    loop.run_until_complete(loop.shutdown_default_executor())


def test_debug_mode_traces_the_caller_and_warns_about_slow_callbacks(loop, caplog):
    loop.set_debug(True)
    loop.slow_callback_duration = 0.0
    try:
        handles = [loop.call_soon(nothing), loop.call_later(0, nothing), loop.call_at(loop.time(), nothing)]
        for handle in handles:
            assert handle._source_traceback[-1].name == (
                "test_debug_mode_traces_the_caller_and_warns_about_slow_callbacks"
            )
        with caplog.at_level(logging.WARNING, logger="asyncio"):
            loop.call_soon(loop.stop)
            loop.run_forever()
    finally:
        loop.set_debug(False)
    assert sum("Executing <Handle nothing" in r.getMessage() for r in caplog.records) == 1
    assert sum("Executing <TimerHandle" in r.getMessage() for r in caplog.records) == 2


def test_a_closed_loop_refuses_timers_and_callbacks():
    loop = BoltEventLoop()
    loop.call_later(10, nothing)
    loop.close()
    assert loop._scheduled == []
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_later(1, nothing)
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_at(1, nothing)
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon(nothing)
