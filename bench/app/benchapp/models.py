from django.db import models


class Row(models.Model):
    """A tiny table read by the ``/orm`` endpoint."""

    name = models.CharField(max_length=100)
    value = models.IntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Row({self.id}, {self.name!r}, {self.value})"


class Writer(models.Model):
    """The nested foreign key of the ``/vs/books`` ModelViewSet endpoint."""

    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]


class Title(models.Model):
    """Rows listed by the ``/vs/books`` ModelViewSet endpoint (50 a page, each with its writer)."""

    name = models.CharField(max_length=100)
    pages = models.IntegerField(default=0)
    writer = models.ForeignKey(Writer, on_delete=models.CASCADE, related_name="titles")

    class Meta:
        ordering = ["id"]
