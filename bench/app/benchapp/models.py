from django.db import models


class Row(models.Model):
    """A tiny table read by the ``/orm`` endpoint."""

    name = models.CharField(max_length=100)
    value = models.IntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Row({self.id}, {self.name!r}, {self.value})"
