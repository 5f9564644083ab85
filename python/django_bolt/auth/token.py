"""The release's older home of ``Token`` (``django_bolt.auth.token``); it lives in ``auth.tokens``."""

from .tokens import Token

__all__ = ["Token"]
