"""The API served by the real-socket tests (tests/server): BOLT_TEST_API=tests.testapp.server_api.api."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import msgspec
from django_bolt import BoltAPI, Request
from django_bolt.params import Query

from tests.testapp.models import Article

api = BoltAPI()


class Item(msgspec.Struct):
    name: str
    price: float
    count: int
    tags: list[str] = []


class ArticleIn(msgspec.Struct):
    title: str
    body: str = ""
    published: bool = False


def article_out(a: Article) -> dict:
    return {"id": a.pk, "title": a.title, "body": a.body, "published": a.published}


@api.get("/hello")
async def hello() -> dict:
    return {"message": "hello"}


@api.get("/sync-hello")
def sync_hello() -> dict:
    return {"message": "hello from a thread"}


@api.get("/items/{item_id}")
async def get_item(item_id: int, q: str | None = None) -> dict:
    return {"item_id": item_id, "q": q}


@api.post("/echo")
async def echo(payload: Item) -> dict:
    return {"name": payload.name, "price": payload.price, "count": payload.count, "tags": payload.tags}


@api.post("/echo-sync")
def echo_sync(payload: Item) -> dict:
    return {"name": payload.name, "price": payload.price, "count": payload.count, "tags": payload.tags}


@api.get("/search")
async def search(q: str) -> dict:
    return {"q": q}


@api.get("/page")
async def page(n: Annotated[int, Query(ge=1, le=100)]) -> dict:
    return {"n": n}


@api.get("/headers")
async def headers(request: Request) -> dict:
    return {"count": len(request.headers), "host": request.headers.get("host")}


@api.get("/slow")
async def slow(delay: float = 1.0) -> dict:
    await asyncio.sleep(delay)
    return {"slept": delay}


@api.get("/sync-slow")
def sync_slow(delay: float = 1.0) -> dict:
    time.sleep(delay)
    return {"slept": delay}


@api.get("/boom")
def boom() -> dict:
    raise RuntimeError("kaboom: sync handler failed")


@api.get("/boom-async")
async def boom_async() -> dict:
    await asyncio.sleep(0)
    raise ValueError("kaboom: async handler failed")


@api.post("/articles")
async def create_article(data: ArticleIn) -> dict:
    article = await Article.objects.acreate(title=data.title, body=data.body, published=data.published)
    return article_out(article)


@api.get("/articles")
async def list_articles(published: bool | None = None) -> list[dict]:
    qs = Article.objects.all()
    if published is not None:
        qs = qs.filter(published=published)
    return [article_out(a) async for a in qs]


@api.get("/articles/{article_id}")
async def get_article(article_id: int) -> dict:
    article = await Article.objects.aget(pk=article_id)
    return article_out(article)


@api.post("/sync/articles")
def create_article_sync(data: ArticleIn) -> dict:
    return article_out(Article.objects.create(title=data.title, body=data.body, published=data.published))


@api.get("/sync/articles")
def list_articles_sync() -> list[dict]:
    return [article_out(a) for a in Article.objects.all()]


@api.get("/boom-async-early")
async def boom_async_early() -> dict:
    raise KeyError("kaboom: async handler failed before its first await")
