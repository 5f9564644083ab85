from typing import Annotated

import msgspec
from django_bolt import BoltAPI, Request
from django_bolt.exceptions import NotFound
from django_bolt.params import Query
from django_bolt.responses import HTML

api = BoltAPI()

BOOKS = {1: "Dune"}


class BookIn(msgspec.Struct):
    title: str
    year: int


@api.get("/")
async def index():
    return {"hello": "world"}


@api.get("/books/{book_id}")
async def get_book(book_id: int, fields: Annotated[str | None, Query(max_length=50)] = None):
    if book_id not in BOOKS:
        raise NotFound(f"No book {book_id}")
    return {"id": book_id, "title": BOOKS[book_id], "fields": fields}


@api.post("/books", status_code=201)
def create_book(book: BookIn, request: Request):
    BOOKS[len(BOOKS) + 1] = book.title
    return {"id": len(BOOKS), "title": book.title, "by": request.headers.get("user-agent")}


@api.get("/hello")
async def hello():
    return HTML("<h1>Hello</h1>")
