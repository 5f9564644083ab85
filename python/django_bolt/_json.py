"""The JSON encoder used for every response body (msgspec, with Django types added), and the
decoders request bodies are read with."""

from __future__ import annotations

from typing import Any

import msgspec


def _enc_hook(obj: Any) -> Any:
    # Imported lazily: the encoder must work before Django apps are ready.
    from django.db.models import Model, QuerySet
    from django.utils.functional import Promise

    if isinstance(obj, QuerySet):
        return list(obj)
    if isinstance(obj, Model):
        from django.forms.models import model_to_dict

        return model_to_dict(obj)
    if isinstance(obj, str):
        # A str subclass msgspec does not take (Django's SafeString), as a plain str.
        return str.__str__(obj)
    if isinstance(obj, Promise):
        return str(obj)
    if hasattr(obj, "__iter__") and not isinstance(obj, (str, bytes, dict)):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


encoder = msgspec.json.Encoder(enc_hook=_enc_hook)
encode = encoder.encode
decode = msgspec.json.decode
#: The release's name for the hook above; packages built on the release (bolt-mcp) import it.
default_serializer = _enc_hook


#: One decoder per body type, shared by every route that reads it.
_DECODER_CACHE: dict[Any, msgspec.json.Decoder] = {}


def json_decoder(tp: Any) -> msgspec.json.Decoder:
    """The JSON decoder of ``tp`` (built once per type)."""
    try:
        return _DECODER_CACHE[tp]
    except KeyError:
        decoder = _DECODER_CACHE[tp] = msgspec.json.Decoder(tp)
        return decoder
    except TypeError:  # an unhashable annotation (Annotated with a list in it)
        return msgspec.json.Decoder(tp)
