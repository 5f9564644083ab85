"""Async code that blocks the event loop, and async code that only looks like it: the doctor's
event-loop check loads this API through BOLT_API."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from asgiref.sync import sync_to_async
from django_bolt import BoltAPI
from django_bolt.params import Depends

from tests.testapp.models import Article

api = BoltAPI()


async def newest_title() -> str:
    return Article.objects.order_by("-id").first().title


@api.get("/count")
async def count_articles() -> dict:
    return {"count": Article.objects.count()}


@api.get("/slow")
async def slow(title: Annotated[str, Depends(newest_title)]) -> dict:
    time.sleep(0.01)
    return {"title": title}


@api.get("/fine")
async def fine() -> dict:
    # Awaited async forms, a lazy QuerySet, and sync work handed to a thread block nothing.
    await asyncio.sleep(0)
    count = await Article.objects.acount()
    titles = await sync_to_async(lambda: [a.title for a in Article.objects.all()])()
    return {"count": count, "titles": titles, "lazy": str(Article.objects.filter(id=1).query)}


@api.get("/sync")
def sync_handler() -> dict:
    # A sync handler runs on a blocking thread: its queries are where they belong.
    return {"count": Article.objects.count()}
