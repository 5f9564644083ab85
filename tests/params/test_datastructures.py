"""UploadFile (django_bolt.datastructures): sync and awaited read/seek/close, the Django File
view, spooling, and building one by hand."""

import asyncio
import hashlib

from django.core.files import File as DjangoFile
from django_bolt import UploadFile as TopLevelUploadFile
from django_bolt.datastructures import DEFAULT_MAX_SPOOL_SIZE, UploadFile
from django_bolt.param_functions import File
from django_bolt.request import UploadFile as RequestUploadFile


def test_one_class_under_every_import_path():
    assert UploadFile is TopLevelUploadFile is RequestUploadFile


def test_async_handler_awaits_read_seek_close(api, client_for):
    @api.post("/a")
    async def upload(f: UploadFile = File()):
        first = await f.read(3)
        pos = await f.seek(0)
        whole = await f.read()
        await f.close()
        return {"first": first.decode(), "pos": pos, "whole": whole.decode(), "closed": f.raw_file.closed}

    r = client_for(api).post("/a", files={"f": ("n.txt", b"hello world", "text/plain")})
    assert r.json() == {"first": "hel", "pos": 0, "whole": "hello world", "closed": True}


def test_sync_handler_calls_the_same_methods_plainly(api, client_for):
    @api.post("/s")
    def upload(f: UploadFile = File()):
        head = f.read(5)
        f.seek(0)
        rest = f.file.read()  # the Django File shares the position with read()
        f.close()
        return {"head": head.decode(), "rest": rest.decode(), "bytes": type(head).__mro__[1].__name__}

    r = client_for(api).post("/s", files={"f": ("n.txt", b"abcdefgh", "text/plain")})
    assert r.json() == {"head": "abcde", "rest": "abcdefgh", "bytes": "bytes"}


def test_large_upload_is_on_disk_and_readable_both_ways(api, client_for):
    # tests/settings.py sets BOLT_MEMORY_SPOOL_THRESHOLD to 64 KiB.
    payload = bytes(range(256)) * 1024  # 256 KiB

    @api.post("/big")
    async def big(f: UploadFile = File()):
        digest = hashlib.sha256(await f.read()).hexdigest()
        await f.seek(0)
        return {"disk": f.rolled_to_disk, "path": f.path is not None, "sha": digest, "again": len(f.read(10))}

    r = client_for(api).post("/big", files={"f": ("b.bin", payload, "application/octet-stream")})
    assert r.json() == {"disk": True, "path": True, "sha": hashlib.sha256(payload).hexdigest(), "again": 10}


def test_file_is_a_django_file_named_after_the_upload(api, client_for):
    @api.post("/dj")
    def dj(f: UploadFile = File()):
        django_file = f.file
        return {
            "django": isinstance(django_file, DjangoFile),
            "name": django_file.name,
            "size": django_file.size,
            "chunks": b"".join(django_file.chunks()).decode(),
        }

    r = client_for(api).post("/dj", files={"f": ("../../etc/report.csv", b"a,b\n1,2\n", "text/csv")})
    assert r.json() == {"django": True, "name": "report.csv", "size": 8, "chunks": "a,b\n1,2\n"}


def test_built_by_hand_with_the_release_keywords():
    f = UploadFile(filename="x.txt", content_type="text/plain", size=5, file_data=b"hello")
    assert (f.filename, f.content_type, f.size, f.headers, f.rolled_to_disk) == ("x.txt", "text/plain", 5, {}, False)

    async def use() -> tuple[bytes, bytes]:
        whole = await f.read()
        await f.seek(1)
        return whole, await f.read(2)

    assert asyncio.run(use()) == (b"hello", b"el")
    f.close()  # called plainly: closes at once, the awaitable it returns is dropped
    assert f.file.closed


def test_content_over_max_spool_size_rolls_to_disk():
    small = UploadFile("s.bin", file_data=b"x" * 10, max_spool_size=16)
    big = UploadFile("b.bin", file_data=b"x" * 17, max_spool_size=16)
    assert (small.rolled_to_disk, big.rolled_to_disk) == (False, True)
    assert big.read() == b"x" * 17 and big.size == 17
    assert DEFAULT_MAX_SPOOL_SIZE == 1024 * 1024
    small.close_sync()
    big.close_sync()
    assert small.raw_file.closed and big.raw_file.closed


def test_from_file_info_in_memory_and_on_disk(tmp_path):
    mem = UploadFile.from_file_info({"filename": "i.png", "content": b"png!", "content_type": "image/png"})
    assert (mem.filename, mem.content_type, mem.size, mem.read()) == ("i.png", "image/png", 4, b"png!")
    spooled = tmp_path / "upload"
    spooled.write_bytes(b"on disk")
    disk = UploadFile.from_file_info({"filename": "d.txt", "temp_path": str(spooled), "size": 7})
    assert (disk.rolled_to_disk, disk.size, disk.read()) == (True, 7, b"on disk")
    disk.close_sync()


def test_write_then_read_back():
    f = UploadFile("w.txt", file_data=b"")

    async def use() -> bytes:
        assert await f.write(b"abc") == 3
        await f.seek(0)
        return await f.read()

    assert asyncio.run(use()) == b"abc"


def test_spooled_upload_left_unread_leaves_no_open_file(api, client_for):
    import gc
    import warnings

    seen = []

    @api.post("/ignore")
    def ignore(f: UploadFile = File()):
        seen.append(f)
        return {"disk": f.rolled_to_disk}

    r = client_for(api).post("/ignore", files={"f": ("b.bin", b"z" * (256 * 1024), "application/octet-stream")})
    assert r.json() == {"disk": True}
    gc.collect()  # other tests' garbage first: only the upload's file is in question here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seen.clear()
        gc.collect()
    leaked = [w for w in caught if issubclass(w.category, ResourceWarning) and "bolt-upload" in str(w.message)]
    assert not leaked, [str(w.message) for w in leaked]


def test_closed_before_any_read_stays_closed(tmp_path):
    spooled = tmp_path / "u"
    spooled.write_bytes(b"data")
    f = UploadFile("u", path=str(spooled))
    f.close_sync()
    assert f.raw_file.closed


def test_release_private_names_show_the_spooled_file(api, client_for):
    states = {}

    @api.post("/lazy")
    async def lazy(f: UploadFile = File()):
        states["before"] = f._file
        states["temp_path"] = f._temp_path
        await f.read(1)
        states["after"] = f._file
        return {}

    client_for(api).post("/lazy", files={"f": ("b.bin", b"z" * (256 * 1024), "application/octet-stream")})
    assert states["before"] is None  # opened on first use only
    assert states["temp_path"] is not None and "bolt-upload" in states["temp_path"]
    assert states["after"] is not None and states["after"].closed  # closed once answered
    in_memory = UploadFile("a.txt", file_data=b"abc")
    assert (in_memory._temp_path, in_memory._file.read()) == (None, b"abc")
