from django.db import models


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    published = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Author(models.Model):
    """Serializers/views/pagination tests: a parent with a reverse set (``books``)."""

    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, default="")

    class Meta:
        ordering = ["id"]


class Book(models.Model):
    title = models.CharField(max_length=200)
    pages = models.IntegerField(default=0)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    isbn = models.CharField(max_length=20, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Tag(models.Model):
    """Many-to-many writes through serializers and viewsets (``Post.tags``)."""

    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["id"]


class Post(models.Model):
    title = models.CharField(max_length=200)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")

    class Meta:
        ordering = ["id"]
