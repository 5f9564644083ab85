"""The 0.13 release's documented serializer / view / pagination usage (its README and docstring
examples, written out here as code using the same API), run against this implementation. Only the
models differ: ours (User from django.contrib.auth, Article/Author/Book of the test app)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django_bolt import BoltAPI, ModelViewSet, PageNumberPagination, ViewSet, action, paginate
from django_bolt.exceptions import RequestValidationError
from django_bolt.serializers import (
    Serializer,
    computed_field,
    create_serializer,
    create_serializer_set,
    field,
    field_validator,
    model_validator,
)

from tests.testapp.models import Article

pytestmark = pytest.mark.django_db(transaction=True)


class UserCreate(Serializer):
    id: int = field(read_only=True)
    username: str
    email: str
    password: str

    @field_validator("email")
    @classmethod
    def validate_email(cls, value):
        if "@" not in value:
            raise ValueError("Invalid email")
        return value.lower()

    @model_validator
    def validate_username_unique(self):
        if User.objects.filter(username=self.username).exists():
            raise ValueError("Username already exists")


class Person(Serializer):
    first_name: str
    last_name: str

    @computed_field
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @computed_field(alias="displayName")
    def display_name(self) -> str:
        return self.full_name().upper()


def test_serializer_docstring_examples():
    user = UserCreate(username="john", email="John@Example.com", password="secret")
    assert user.email == "john@example.com"
    User.objects.create(username="taken")
    with pytest.raises(RequestValidationError):
        UserCreate(username="taken", email="a@b.c", password="x")
    assert Person(first_name="John", last_name="Doe").dump() == {
        "first_name": "John",
        "last_name": "Doe",
        "full_name": "John Doe",
        "displayName": "JOHN DOE",
    }


UserCreateSet, UserUpdate, UserPublic = create_serializer_set(
    User,
    create_fields=["username", "email", "password"],
    update_fields=["username", "email"],
    public_fields=["id", "username", "email", "date_joined"],
)


def test_create_serializer_examples(client_for):
    UserSerializer = create_serializer(
        User, fields=["id", "username", "email", "date_joined"], read_only={"id", "date_joined"}
    )
    assert set(UserSerializer.__struct_fields__) == {"id", "username", "email", "date_joined"}
    api = BoltAPI()

    @api.post("/users", response_model=UserPublic)
    async def create_user(data: UserCreateSet):
        return await User.objects.acreate(**data.to_dict())

    created = client_for(api).post("/users", json={"username": "ann", "email": "a@b.co", "password": "pw"})
    assert created.status_code == 200, created.text
    assert created.json()["username"] == "ann" and "password" not in created.json()


class ArticleSchema(Serializer):
    id: int
    title: str
    body: str  # the README's model calls it `content`

    class Config:
        field_sets = {"list": ["id", "title"]}


def test_readme_model_viewset(client_for):
    api = BoltAPI()

    @api.viewset("/articles")
    class ArticleViewSet(ModelViewSet):
        queryset = Article.objects.all()
        serializer_class = ArticleSchema
        pagination_class = PageNumberPagination

    client = client_for(api)
    # ArticleSchema requires `id`, so creating through it needs the id too (as in the release).
    assert client.post("/articles", json={"title": "t", "body": "b"}).status_code == 422
    article = Article.objects.create(title="t", body="b")
    page = client.get("/articles").json()
    assert page["items"] == [{"id": article.pk, "title": "t", "body": "b"}] and page["page"] == 1
    # A body's id never moves the row to another key.
    put = client.put(f"/articles/{article.pk}", json={"id": 999, "title": "u", "body": "c"})
    assert put.status_code == 200 and put.json()["id"] == article.pk and Article.objects.count() == 1
    assert ArticleSchema.use("list").dump(Article.objects.get()) == {"id": article.pk, "title": "u"}


def test_viewset_docstring_examples(client_for):
    api = BoltAPI()

    @api.viewset("/users")
    class UserViewSet(ViewSet):
        queryset = User.objects.all()
        serializer_class = create_serializer(User, fields=["id", "username", "is_active"])
        pagination_class = PageNumberPagination

        async def list(self, request):
            return await self.get_queryset()

        async def retrieve(self, request):
            return await self.get_object()

        @action(methods=["POST"], detail=True)
        async def activate(self, request, pk: int):
            user = await User.objects.aget(id=pk)
            user.is_active = True
            await user.asave()
            return user

        @action(methods=["GET"], detail=False)
        async def active(self, request):
            return User.objects.filter(is_active=True)[:100]

    @api.get("/paged-users", response_model=list[create_serializer(User, fields=["id", "username"])])
    @paginate(PageNumberPagination)
    async def list_users():
        return User.objects.all()

    client = client_for(api)
    user = User.objects.create(username="bob", is_active=False)
    assert client.get("/users").json()["items"][0]["username"] == "bob"
    assert client.get(f"/users/{user.pk}").json() == {"id": user.pk, "username": "bob", "is_active": False}
    assert client.post(f"/users/{user.pk}/activate").json()["is_active"] is True
    assert [u["username"] for u in client.get("/users/active").json()] == ["bob"]
    assert client.get("/paged-users").json()["items"] == [{"id": user.pk, "username": "bob"}]
