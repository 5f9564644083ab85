"""The event loop is woken for a timer set by a handler's first step even after the loop has
replaced its timer heap (it does so when many timers were cancelled, e.g. by closed streams)."""

import asyncio
import threading

from django_bolt import BoltAPI


def test_async_handler_timer_after_heap_purge(client_for):
    api = BoltAPI()

    @api.get("/cancel-many")
    async def cancel_many() -> dict:
        loop = asyncio.get_running_loop()
        for _ in range(300):
            loop.call_later(3600, lambda: None).cancel()
        await asyncio.sleep(0.01)  # the loop purges the cancelled timers while running this
        return {"ok": True}

    @api.get("/sleep")
    async def sleep() -> dict:
        await asyncio.sleep(0.01)
        return {"ok": True}

    client = client_for(api)
    assert client.get("/cancel-many").status_code == 200
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(client.get("/sleep").status_code), daemon=True)
    worker.start()
    worker.join(10)
    assert result == [200], "the handler's timer never fired: the loop was not woken"
