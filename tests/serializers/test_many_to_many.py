"""Many-to-many fields written by ``to_model``/``update_instance`` (set when the row is saved, sync
or async) and by a ModelViewSet's create, update and partial update."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django_bolt import BoltAPI, ModelViewSet
from django_bolt.exceptions import RequestValidationError
from django_bolt.serializers import Serializer, field

from tests.testapp.models import Post, Tag


class PostSerializer(Serializer):
    id: int = field(read_only=True)
    title: str
    tags: list[int] = field(default_factory=list)

    class Config:
        model = Post


def _tags(*names: str) -> list[int]:
    return [Tag.objects.create(name=n).pk for n in names]


def _tag_ids(post: Post) -> list[int]:
    return sorted(post.tags.values_list("pk", flat=True))


@pytest.mark.django_db
def test_to_model_sets_links_when_saved():
    a, b = _tags("a", "b")
    post = PostSerializer(title="t", tags=[a, b]).to_model(Post)
    assert post.pk is None
    post.save()
    assert _tag_ids(Post.objects.get(pk=post.pk)) == [a, b]
    # Saved again: an ordinary instance (links written once).
    post.title = "u"
    post.save()
    assert _tag_ids(post) == [a, b]


@pytest.mark.django_db
def test_update_instance_replaces_links_when_saved():
    a, b, c = _tags("a", "b", "c")
    post = Post.objects.create(title="t")
    post.tags.set([a, b])
    PostSerializer(title="t2", tags=[c]).update_instance(post)
    assert _tag_ids(post) == [a, b]  # nothing written before save
    post.save()
    post.refresh_from_db()
    assert (post.title, _tag_ids(post)) == ("t2", [c])


@pytest.mark.django_db(transaction=True)
def test_asave_sets_links():
    a, b = _tags("a", "b")

    async def create() -> int:
        post = PostSerializer(title="t", tags=[b, a]).to_model(Post)
        await post.asave()
        return post.pk

    pk = async_to_sync(create)()
    assert _tag_ids(Post.objects.get(pk=pk)) == [a, b]


@pytest.mark.django_db
def test_unknown_keys_are_422_and_nothing_is_written():
    (a,) = _tags("a")
    post = PostSerializer(title="t", tags=[a, 999, 998]).to_model(Post)
    with pytest.raises(RequestValidationError) as info:
        post.save()
    assert [e["loc"] for e in info.value.errors_list()] == [["body", "tags", 1], ["body", "tags", 2]]
    assert not Post.objects.exists()


class Posts(ModelViewSet):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class SyncPosts(ModelViewSet):
    queryset = Post.objects.all()
    serializer_class = PostSerializer

    def perform_create(self, obj):
        obj.save()

    def perform_update(self, obj):
        obj.save()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("view", [Posts, SyncPosts])
def test_viewset_writes_links(client_for, view):
    a, b, c = _tags("a", "b", "c")
    api = BoltAPI()
    api.viewset("/posts")(view)
    client = client_for(api)
    created = client.post("/posts", json={"title": "t", "tags": [a, b]})
    assert created.status_code == 201, created.text
    pk = created.json()["id"]
    assert created.json()["tags"] == [a, b]
    replaced = client.put(f"/posts/{pk}", json={"title": "t", "tags": [c]})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["tags"] == [c]
    patched = client.patch(f"/posts/{pk}", json={"tags": [a, c]})
    assert patched.status_code == 200, patched.text
    assert patched.json() == {"id": pk, "title": "t", "tags": [a, c]}
    untouched = client.patch(f"/posts/{pk}", json={"title": "new"})
    assert untouched.json()["tags"] == [a, c]
    bad = client.post("/posts", json={"title": "x", "tags": [a, 12345]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "tags", 1]
    assert Post.objects.count() == 1
