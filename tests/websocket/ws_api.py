"""WebSocket routes shared by the in-process and the real-socket tests
(the server runs it with BOLT_TEST_API=tests.websocket.ws_api.api)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from django_bolt import BoltAPI, CloseCode, HTTPException, Request, WebSocket, WebSocketDisconnect
from django_bolt.auth import BaseAuthentication, BasePermission, IsAuthenticated, JWTAuthentication
from django_bolt.middleware import no_compress
from django_bolt.params import Header

api = BoltAPI()

#: Close codes the /ws/probe handler saw in WebSocketDisconnect, by probe name.
disconnects: dict[str, int] = {}


@api.websocket("/ws/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if "text" in message:
            await websocket.send_text(message["text"])
        else:
            await websocket.send_bytes(message["bytes"])


@api.websocket("/ws/json")
async def json_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for data in websocket.iter_json():
        await websocket.send_json({"echo": data})


@api.websocket("/ws/room/{room_id}")
async def room(websocket: WebSocket, room_id: int, name: str = "anon", x_team: Annotated[str, Header()] = "-") -> None:
    await websocket.accept()
    await websocket.send_json({"room": room_id, "name": name, "team": x_team, "path": websocket.path})
    await websocket.close()


@api.websocket("/ws/proto")
async def proto(websocket: WebSocket) -> None:
    chosen = next((p for p in websocket.subprotocols if p in ("chat.v2", "chat.v1")), None)
    await websocket.accept(subprotocol=chosen, headers={"x-chosen": chosen or "none"})
    await websocket.send_text(chosen or "")
    await websocket.receive_text()


@api.websocket("/ws/close/{code}")
async def close_with(websocket: WebSocket, code: int) -> None:
    await websocket.accept()
    await websocket.close(code, "bye")


@api.websocket("/ws/refuse")
async def refuse(websocket: WebSocket) -> None:
    await websocket.close(CloseCode.POLICY_VIOLATION)


@api.websocket("/ws/deny")
async def deny(websocket: WebSocket, token: str = "") -> None:
    if token != "let-me-in":
        raise HTTPException(401, "token required")
    await websocket.accept()
    await websocket.send_text("welcome")


@api.websocket("/ws/crash-before")
async def crash_before(websocket: WebSocket) -> None:
    raise RuntimeError("before accept")


@api.websocket("/ws/crash-after")
async def crash_after(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.receive_text()
    raise RuntimeError("after accept")


@api.websocket("/ws/probe/{name}")
async def probe(websocket: WebSocket, name: str) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect as exc:
        disconnects[name] = exc.code


@api.websocket("/ws/slow-accept")
async def slow_accept(websocket: WebSocket, delay: float = 1.0) -> None:
    """Accepts only after ``delay`` seconds, past a short accept timeout; records what it then sees."""
    await asyncio.sleep(delay)
    await websocket.accept()
    try:
        await websocket.receive_text()
    except WebSocketDisconnect as exc:
        disconnects["slow-accept"] = exc.code


@api.get("/probe/{name}")
async def probe_result(name: str) -> dict:
    return {"code": disconnects.get(name)}


@api.websocket("/ws/burst")
async def burst(websocket: WebSocket) -> None:
    """Sends the number of messages asked for, more than the send queue holds."""
    await websocket.accept()
    count = int(await websocket.receive_text())
    for i in range(count):
        await websocket.send_text(str(i))
    await websocket.send_text("done")
    await websocket.receive_text()


@api.websocket("/ws/returns")
async def returns(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("bye")


@api.websocket("/ws/patient")
async def patient(websocket: WebSocket) -> None:
    """Cancels receives that take longer than 10 ms: a cancelled receive must lose no message.

    (Not ``asyncio.wait_for``: before Python 3.12 it can drop a result that arrives as it times out.)
    """
    await websocket.accept()
    timeouts = 0
    while True:
        receiving = asyncio.ensure_future(websocket.receive_text())
        await asyncio.wait({receiving}, timeout=0.01)
        if not receiving.done():
            receiving.cancel()
            timeouts += 1
        (text,) = await asyncio.gather(receiving, return_exceptions=True)
        if isinstance(text, asyncio.CancelledError):
            continue
        if isinstance(text, BaseException):
            raise text
        await websocket.send_text(f"{text}:{timeouts > 0}")


@api.websocket("/ws/secure", auth=[JWTAuthentication()], guards=[IsAuthenticated()])
async def secure(websocket: WebSocket, request: Request) -> None:
    await websocket.accept()
    await websocket.send_json({"sub": request.context.get("sub")})


class BadgeColor(BasePermission):
    message = "blue badges only"

    async def has_permission(self, request) -> bool:
        return request.headers.get("x-badge") == "blue"


class NameHeader(BaseAuthentication):
    scheme = "Name"

    def authenticate(self, request):
        name = request.headers.get("x-name")
        return {"name": name} if name else None


@api.websocket("/ws/badge", auth=[NameHeader()], guards=[BadgeColor()])
async def badge(websocket: WebSocket, request: Request) -> None:
    await websocket.accept()
    await websocket.send_json(request.context)


@api.websocket("/ws/uncompressed")
@no_compress
async def uncompressed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())


#: What a send after the client left raised, by probe name (read through /late-send/{name}).
late_sends: dict[str, str] = {}


@api.websocket("/ws/late-send")
async def late_send(websocket: WebSocket, delay: float = 0.3) -> None:
    """Accepts after ``delay`` seconds (the test's client is gone by then), then sends."""
    await asyncio.sleep(delay)
    await websocket.accept()
    try:
        await websocket.send_text("late")
    except Exception as exc:  # noqa: BLE001 - the test reads which exception it was
        late_sends["route"] = type(exc).__name__
    else:
        late_sends["route"] = "no error"


@api.get("/late-send/{name}")
async def late_send_result(name: str) -> dict:
    return {"raised": late_sends.get(name)}


async def asgi_app(scope, receive, send) -> None:
    """A plain ASGI app mounted at /asgi; the path below the mount picks what it does."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"http side"})
        return
    connect = await receive()
    action = scope["path"][len(scope["root_path"]) :]
    if action == "/refuse":
        await send({"type": "websocket.close", "code": 1000})
        return
    if action == "/boom":
        raise RuntimeError("mounted app failed before accept")
    if action == "/unrequested":
        await send({"type": "websocket.accept", "subprotocol": "never-offered"})
        return
    if action == "/late":
        await asyncio.sleep(0.3)
        await send({"type": "websocket.accept"})
        try:
            await send({"type": "websocket.send", "text": "late"})
        except OSError as exc:
            late_sends["asgi"] = type(exc).__name__
        else:
            late_sends["asgi"] = "no error"
        return
    offered = scope["subprotocols"]
    await send(
        {
            "type": "websocket.accept",
            "subprotocol": offered[0] if offered else None,
            "headers": [(b"x-mounted", b"yes")],
        }
    )
    if action == "/close":
        await send({"type": "websocket.close", "code": 4002, "reason": "done"})
        return
    if action == "/returns":
        return
    headers = {name.decode("latin-1"): value.decode() for name, value in scope["headers"]}
    summary = {key: scope[key] for key in ("type", "scheme", "path", "root_path", "subprotocols", "http_version")}
    summary.update(
        connect=connect["type"],
        raw_path=scope["raw_path"].decode("ascii"),
        query_string=scope["query_string"].decode(),
        x_name=headers.get("x-name"),
        client_is_set=bool(scope["client"]),
    )
    await send({"type": "websocket.send", "text": json.dumps(summary)})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "crash":
            raise RuntimeError("mounted app failed after accept")
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": f"echo:{message['text']}"})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


api.mount_asgi("/asgi", asgi_app)
# Django's handler serves HTTP only: an upgrade under /django finds no WebSocket app (404).
api.mount_django("/django")
