import asyncio
import pathlib
import tempfile
from typing import Annotated

from django.test import override_settings
from django_bolt import (
    BoltAPI,
    EventSourceResponse,
    File,
    FileResponse,
    Header,
    ServerSentEvent,
    StreamingResponse,
    UploadFile,
)
from django_bolt.responses import File as FileInMemory
from django_bolt.testing import TestClient

reports = pathlib.Path(tempfile.mkdtemp())  # in settings: BOLT_ALLOWED_FILE_PATHS = [...]
(reports / "q3.csv").write_text("id,total\n1,9.50\n")
media = BoltAPI()


@media.get("/reports/{name}")
def report(name: str):
    # Streamed from disk by Rust: ETag/Last-Modified, 304s, Range → 206/416, HEAD.
    return FileResponse(reports / name, filename=f"résumé {name}")


@media.get("/logo")
def logo():
    return FileInMemory(reports / "q3.csv", media_type="text/csv")  # read into memory


@media.get("/export")
def export():
    def rows():  # sync generator: stepped on the thread pool
        yield "id,total\n"
        for i in range(3):
            yield f"{i},{i * 2}\n"

    return StreamingResponse(rows(), media_type="text/csv")


@media.get("/prices")
async def prices(last_event_id: Annotated[int, Header(alias="last-event-id")] = 0):  # sent on reconnect
    async def events():
        try:
            for i in range(last_event_id + 1, last_event_id + 3):
                await asyncio.sleep(0.01)
                yield ServerSentEvent(data={"price": 40 + i}, event="tick", id=str(i))
        finally:
            pass  # runs when the client disconnects, too

    return EventSourceResponse(events(), ping_interval=15)


@media.post("/avatars")
async def avatar(image: UploadFile = File(max_size=5_000_000, allowed_types=["image/*"])):
    # Above BOLT_MEMORY_SPOOL_THRESHOLD the upload is a temporary file (image.raw_file; image.file wraps it),
    # deleted after the response; over max_size → 422 (file_too_large).
    return {"name": image.filename, "size": image.size}


with override_settings(BOLT_ALLOWED_FILE_PATHS=[reports]):
    client = TestClient(media)
r = client.get("/reports/q3.csv", headers={"Range": "bytes=0-1"})
assert (r.status_code, r.text, r.headers["content-range"]) == (206, "id", "bytes 0-1/16")
assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20q3.csv" in client.get("/reports/q3.csv").headers["content-disposition"]
etag = client.get("/reports/q3.csv").headers["etag"]
assert client.get("/reports/q3.csv", headers={"If-None-Match": etag}).status_code == 304
assert client.get("/reports/%2E%2E").status_code == 403  # name="..": outside BOLT_ALLOWED_FILE_PATHS
assert client.get("/logo").headers["content-length"] == "16"
assert client.get("/export").text == "id,total\n0,0\n1,2\n2,4\n"
with client.stream("GET", "/prices", headers={"Last-Event-ID": "7"}) as events:
    first = next(events.iter_text())
assert first == 'event: tick\ndata: {"price":48}\nid: 8\n\n'
upload = client.post("/avatars", files={"image": ("me.png", b"\x89PNG...", "image/png")})
assert upload.json() == {"name": "me.png", "size": 7}
