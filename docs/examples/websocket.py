import asyncio

from django_bolt import BoltAPI, WebSocket
from django_bolt.testing import WebSocketTestClient

live = BoltAPI()


@live.websocket("/ws/rooms/{room}")
async def room(websocket: WebSocket, room: str, name: str = "anon"):
    await websocket.accept()
    async for text in websocket.iter_text():  # ends when the client disconnects
        await websocket.send_json({"room": room, "from": name, "text": text})


async def chat():
    async with WebSocketTestClient(live, "/ws/rooms/lobby", query_string="name=ada") as ws:
        await ws.send_text("hi")
        assert await ws.receive_json() == {"room": "lobby", "from": "ada", "text": "hi"}
        assert await ws.ping(b"?") == b"?"  # answered by Rust, not the handler


asyncio.run(chat())
