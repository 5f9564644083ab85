"""HTTP API of the example project.

`manage.py runbolt` finds this module on its own: it is `api.py` in the project
package and it defines a module-level `api` (a BoltAPI).

It shows:
  * async handlers using Django's async ORM (`aget`, `acreate`, `adelete`, `async for`);
  * a plain `def` handler using the sync ORM (PUT /notes/{note_id});
  * path parameters (`note_id: int`) and query parameters with defaults
    (`done: bool | None = None`, `limit: int = 50`);
  * a typed JSON body (msgspec.Struct) validated by msgspec.Meta constraints,
    answered with 422 when the body is invalid;
  * errors raised as HTTPException / NotFound, rendered as {"detail": ...};
  * OpenAPI docs at /docs (Swagger UI; /docs/openapi.json is the document): routes are grouped
    by `tags=`, and GET /stats is secured by an API key (`X-API-Key`, from EXAMPLE_API_KEY);
  * the same notes as a paginated ModelViewSet with an @action (/v2/notes).
"""

import os
from datetime import datetime
from typing import Annotated

import msgspec
from django_bolt import BoltAPI, ModelViewSet, PageNumberPagination, action
from django_bolt.auth import APIKeyAuthentication, IsAuthenticated
from django_bolt.exceptions import HTTPException, NotFound
from django_bolt.openapi import OpenAPIConfig
from django_bolt.openapi.spec import Tag
from django_bolt.serializers import Serializer
from notes.models import Note

api = BoltAPI(
    openapi_config=OpenAPIConfig(
        title="Notes API",
        version="1.0.0",
        description="The django-bolt example project.",
        tags=[Tag(name="notes", description="Create, read, update and delete notes"), Tag(name="admin")],
    )
)

# The key GET /stats accepts (set EXAMPLE_API_KEY in production; this default is for trying it out).
API_KEY = os.environ.get("EXAMPLE_API_KEY", "example-key")

# Largest page GET /notes will return, whatever `limit` asks for.
MAX_LIMIT = 500

# A title must contain between 1 and 200 characters (same bound as the model field).
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class NoteIn(msgspec.Struct):
    """Request body for POST /notes and PUT /notes/{note_id}."""

    title: Title
    body: str = ""
    done: bool = False


class NoteOut(msgspec.Struct):
    """A note as returned by the API."""

    id: int
    title: str
    body: str
    done: bool
    created: datetime


def to_out(note: Note) -> NoteOut:
    return NoteOut(
        id=note.pk,
        title=note.title,
        body=note.body,
        done=note.done,
        created=note.created,
    )


def not_found(note_id: int) -> NotFound:
    return NotFound(detail=f"Note {note_id} not found")


@api.get("/")
async def index() -> dict:
    """Hello endpoint: proves the server is up."""
    return {"message": "Hello from django-bolt"}


@api.get("/notes", tags=["notes"])
async def list_notes(done: bool | None = None, limit: int = 50) -> list[NoteOut]:
    """List notes, oldest first. `?done=true|false` filters; `?limit=` caps the count."""
    limit = max(0, min(limit, MAX_LIMIT))
    notes = Note.objects.order_by("id")
    if done is not None:
        notes = notes.filter(done=done)
    return [to_out(note) async for note in notes[:limit]]


@api.get("/notes/{note_id}", tags=["notes"])
async def get_note(note_id: int) -> NoteOut:
    """Fetch one note; 404 if there is none with that id."""
    try:
        note = await Note.objects.aget(pk=note_id)
    except Note.DoesNotExist:
        raise not_found(note_id) from None
    return to_out(note)


@api.post("/notes", status_code=201, tags=["notes"])
async def create_note(payload: NoteIn) -> NoteOut:
    """Create a note from a JSON body; answers 201 with the stored note."""
    note = await Note.objects.acreate(title=payload.title, body=payload.body, done=payload.done)
    return to_out(note)


@api.put("/notes/{note_id}", tags=["notes"])
def replace_note(note_id: int, payload: NoteIn) -> NoteOut:
    """Replace a note (a plain sync handler using the sync ORM).

    PUT replaces the whole resource: fields left out of the body go back to
    their defaults (body "" and done false).
    """
    note = Note.objects.filter(pk=note_id).first()
    if note is None:
        raise not_found(note_id)
    note.title = payload.title
    note.body = payload.body
    note.done = payload.done
    note.save(update_fields=["title", "body", "done"])
    return to_out(note)


@api.delete("/notes/{note_id}", tags=["notes"])
async def delete_note(note_id: int) -> dict:
    """Delete a note; answers {"deleted": id}, or 404 if it did not exist."""
    deleted, _ = await Note.objects.filter(pk=note_id).adelete()
    if not deleted:
        raise not_found(note_id)
    return {"deleted": note_id}


@api.get("/boom")
async def boom() -> dict:
    """Always fails: shows how an HTTPException becomes an error response."""
    raise HTTPException(status_code=409, detail="Boom: this endpoint always conflicts")


class Stats(msgspec.Struct):
    notes: int
    done: int


@api.get("/stats", tags=["admin"], auth=[APIKeyAuthentication(api_keys=[API_KEY])], guards=[IsAuthenticated()])
async def stats() -> Stats:
    """Counts of notes; needs the `X-API-Key` header (401 without a valid key)."""
    return Stats(notes=await Note.objects.acount(), done=await Note.objects.filter(done=True).acount())


# ---------------------------------------------------------------------------
# The same notes as a ModelViewSet: every CRUD route from one class, paginated.


class NoteSchema(Serializer):
    """A note as /v2/notes returns it."""

    id: int
    title: str
    body: str
    done: bool
    created: datetime


class NoteWrite(Serializer):
    """What POST/PUT/PATCH /v2/notes accept."""

    title: Title
    body: str = ""
    done: bool = False


class NotePages(PageNumberPagination):
    page_size = 20
    max_page_size = 100


@api.viewset("/v2/notes")
class NoteViewSet(ModelViewSet):
    """list, create, retrieve, update, partial_update and destroy of notes."""

    queryset = Note.objects.all()
    serializer_class = NoteSchema
    create_serializer_class = NoteWrite
    update_serializer_class = NoteWrite
    pagination_class = NotePages

    @action(methods=["POST"], detail=True)
    async def toggle(self, request):
        """Flip a note's done flag: POST /v2/notes/{pk}/toggle."""
        note = await self.get_object()
        note.done = not note.done
        await note.asave(update_fields=["done"])
        return note
