from django_bolt import BoltAPI, ModelViewSet, PageNumberPagination, action
from django_bolt.serializers import Serializer
from django_bolt.testing import TestClient

from tests.testapp.models import Author, Book  # your models


class AuthorOut(Serializer):
    id: int
    name: str


class BookOut(Serializer):
    id: int
    title: str
    pages: int
    author: AuthorOut  # nested: loaded with select_related, one query per page


class BookIn(Serializer):
    title: str
    pages: int = 0
    author: int  # the author's key


class TenPerPage(PageNumberPagination):
    page_size = 10
    max_page_size = 50  # ?page_size= may ask for up to 50


api = BoltAPI()


@api.viewset("/books")
class BookViewSet(ModelViewSet):
    queryset = Book.objects.all()
    serializer_class = BookOut  # what every action answers
    create_serializer_class = BookIn  # what POST accepts
    update_serializer_class = BookIn  # what PUT/PATCH accept
    pagination_class = TenPerPage

    @action(methods=["POST"], detail=True, url_path="read")
    async def mark_read(self, request, pages: int):
        book = await self.get_object()  # 404 when there is none
        book.pages = pages
        await book.asave(update_fields=["pages"])
        return book


client = TestClient(api)
ann = Author.objects.create(name="Ann")
created = client.post("/books", json={"title": "Dune", "pages": 412, "author": ann.pk})
assert created.status_code == 201
book = created.json()
assert book["author"] == {"id": ann.pk, "name": "Ann"}

page = client.get("/books", params={"page": 1}).json()
assert page["items"] == [book] and page["total"] == 1 and page["has_next"] is False

assert client.patch(f"/books/{book['id']}", json={"pages": 500}).json()["pages"] == 500
assert client.post(f"/books/{book['id']}/read", params={"pages": 7}).json()["pages"] == 7
assert client.delete(f"/books/{book['id']}").status_code == 204
assert client.get(f"/books/{book['id']}").status_code == 404
