"""The release's extractor names for our JSON body, form and parameter-model decoders
(``_compile.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from .._compile import (
    _is_upload,
    _parse_annotation,
    form_model_decoder,
    is_sequence_field,
    json_body_decoder,
    sequence_field_names,
)
from .._json import _DECODER_CACHE as _DECODER_CACHE
from .._json import json_decoder
from .._param_models import model_decoder
from ..datastructures import UploadFile

_is_sequence_field = is_sequence_field
_collect_sequence_field_names = sequence_field_names
get_msgspec_decoder = json_decoder


def create_body_extractor(name: str, annotation: Any) -> Callable[[bytes], Any]:
    """``extract(raw JSON)`` → the argument ``name: annotation`` is, read as the route reads a
    JSON body (a ``RequestValidationError`` listing what fails)."""
    return json_body_decoder(annotation, ["body"], None)


def _create_param_struct_extractor(struct_type: type, default: Any, param_type: str) -> Callable[..., Any]:
    """``extract(values)`` → ``struct_type`` read as a ``Form()``/``Query()``/``Header()``/
    ``Cookie()`` model is: the decoder the route uses. A struct with upload fields takes the
    uploads too, ``extract(values, {field: UploadFile or file info dict})``; ``needs_files_map``
    says which form it is. ``default`` is not read (the route applies it)."""
    decode = form_model_decoder(struct_type) if param_type == "form" else model_decoder(struct_type, param_type)
    uploads = any(_is_upload(_parse_annotation(f.type)[0])[0] for f in msgspec.structs.fields(struct_type))
    if not uploads:

        def extract(values: dict[str, Any]) -> Any:
            return decode(dict(values))

        extract.needs_files_map = False  # type: ignore[attr-defined]
        return extract

    def extract_with_files(values: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
        merged = dict(values)
        for key, info in (files or {}).items():
            merged[key] = UploadFile.from_file_info(info) if isinstance(info, dict) else info
        return decode(merged)

    extract_with_files.needs_files_map = True  # type: ignore[attr-defined]
    return extract_with_files
