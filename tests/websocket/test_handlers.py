"""``django_bolt.websocket.handlers``: the release's handler utilities are the code our
``@api.websocket`` routes run (marking, the WebSocket argument, the per-connection call)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import pytest
from django_bolt import BoltAPI, Depends, Header, WebSocket
from django_bolt._compile import RouteDefinitionError
from django_bolt.testing import HandshakeRejected, WebSocketTestClient
from django_bolt.websocket import (
    WebSocketState,
    get_websocket_param_name,
    handlers,
    is_websocket_handler,
    mark_websocket_handler,
    run_websocket_handler,
)


def test_the_decorator_marks_its_handler_and_only_it():
    api = BoltAPI()

    @api.websocket("/ws")
    async def socket(websocket: WebSocket):
        await websocket.accept()

    @api.get("/http")
    async def plain():
        return {}

    assert is_websocket_handler(socket)
    assert not is_websocket_handler(plain)

    class Holder:
        async def method(self, websocket: WebSocket) -> None: ...

    bound = Holder().method
    assert mark_websocket_handler(bound) is bound
    assert is_websocket_handler(bound) and is_websocket_handler(Holder.method)


def test_the_websocket_argument_is_the_one_the_compiler_fills():
    async def annotated(room: str, conn: WebSocket): ...

    async def by_name(websocket, room: str): ...

    async def short_name(ws, room: str): ...

    async def none(room: str): ...

    async def two(a: WebSocket, b: WebSocket): ...

    assert get_websocket_param_name(annotated) == "conn"
    assert get_websocket_param_name(by_name) == "websocket"
    assert get_websocket_param_name(short_name) == "ws"
    assert get_websocket_param_name(none) is None
    assert get_websocket_param_name(two) is None
    # What the function answers None for, the route refuses when the API compiles.
    for bad in (none, two):
        api = BoltAPI()
        api.websocket("/ws")(bad)
        with pytest.raises(RouteDefinitionError, match="exactly one `WebSocket` parameter"):
            api.compile()


def test_run_websocket_handler_fills_the_socket_path_params_and_extras():
    calls = []

    async def handler(room: str, conn: WebSocket, limit: int = 0):
        calls.append((room, conn, limit))

    def plain_handler(websocket, room: str):  # not a coroutine: called, nothing awaited
        calls.append((room, websocket))

    sentinel = object()
    asyncio.run(run_websocket_handler(handler, sentinel, {"room": "r1", "other": "x"}, limit=3))
    asyncio.run(run_websocket_handler(plain_handler, sentinel, {"room": "r2"}))
    assert calls == [("r1", sentinel, 3), ("r2", sentinel)]

    async def no_socket(room: str): ...

    with pytest.raises(TypeError, match="no \\(single\\) WebSocket argument"):
        asyncio.run(run_websocket_handler(no_socket, sentinel))


async def test_routes_call_their_handler_through_run_websocket_handler(monkeypatch):
    api = BoltAPI()

    async def team(x_team: Annotated[str, Header()] = "none") -> str:
        return x_team.upper()

    @api.websocket("/ws/{room}")
    async def chat(room: int, websocket: WebSocket, team: str = Depends(team)):
        states = [websocket.state]
        await websocket.accept()
        states.append(websocket.state)
        await websocket.send_json({"room": room, "team": team, "states": [int(s) for s in states]})

    seen = []
    real = handlers.run_websocket_handler

    async def spy(handler, websocket, path_params=None, **extra):
        seen.append((handler, sorted(extra)))
        await real(handler, websocket, path_params, **extra)

    monkeypatch.setattr(handlers, "run_websocket_handler", spy)
    async with WebSocketTestClient(api, "/ws/5", headers={"x-team": "red"}) as ws:
        message = await ws.receive_json()
    assert message == {"room": 5, "team": "RED", "states": [1, 2]}
    assert seen == [(chat, ["room", "team"])]
    assert WebSocketState.CONNECTING < WebSocketState.CONNECTED < WebSocketState.DISCONNECTED


async def test_a_handler_returning_before_accept_refuses_with_403():
    api = BoltAPI()

    @api.websocket("/ws/no-accept")
    async def no_accept(websocket: WebSocket):
        return

    with pytest.raises(HandshakeRejected) as rejected:
        async with WebSocketTestClient(api, "/ws/no-accept"):
            pass
    assert rejected.value.status_code == 403
    assert rejected.value.detail == "WebSocket connection refused"

    # The handler may be done before the server first looks at the handshake's outcome (it then
    # found the decision channel spent and panicked: a dropped connection, no answer). Many at
    # once make that order likely.
    async def status() -> int:
        try:
            await WebSocketTestClient(api, "/ws/no-accept").connect()
        except HandshakeRejected as exc:
            return exc.status_code
        return 101

    assert set(await asyncio.gather(*(status() for _ in range(40)))) == {403}
