"""Models of the django_bolt app: revoked token ids for ``DjangoORMRevocation``."""

from django.db import models


class RevokedToken(models.Model):
    jti = models.CharField(max_length=255, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "revoked token"

    def __str__(self) -> str:
        return self.jti
