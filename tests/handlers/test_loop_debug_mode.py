"""asyncio's debug mode on the server's loop: a handler's step, run by a Rust thread under the
loop's lock, counts as the loop's own thread; another thread is still caught."""

import asyncio

from django_bolt import BoltAPI, _runtime
from django_bolt.testing import TestClient


async def _nothing():
    pass


def test_debug_mode_checks_in_a_handler_step():
    api = BoltAPI()

    @api.get("/call-soon")
    async def call_soon():
        loop = asyncio.get_running_loop()
        coroutine = _nothing()
        loop.set_debug(True)
        try:
            loop.call_soon(lambda: None)  # from the step itself: allowed
            if not isinstance(loop, _runtime.BoltEventLoop):
                refused = "TypeError"  # uvloop has no such check; the rule is asyncio's
            else:
                try:
                    loop.call_soon(coroutine)
                except TypeError:  # debug mode's check of the callback, reached
                    refused = "TypeError"
                else:
                    refused = None
            outsider = []
            await asyncio.to_thread(lambda: outsider.append(_call_soon_from_elsewhere(loop)))
        finally:
            loop.set_debug(False)
            coroutine.close()
        return {"refused": refused, "outsider": outsider[0]}

    with TestClient(api, raise_server_exceptions=True) as client:
        answer = client.get("/call-soon")
    assert answer.json() == {"refused": "TypeError", "outsider": "RuntimeError"}


def _call_soon_from_elsewhere(loop: asyncio.AbstractEventLoop) -> str | None:
    if not isinstance(loop, _runtime.BoltEventLoop):
        return "RuntimeError"  # uvloop has no such check; the rule is asyncio's
    try:
        loop.call_soon(lambda: None)
    except RuntimeError:
        return "RuntimeError"
    return None
