"""django_bolt.types annotations in real handlers, and the django_bolt.typing helpers."""

import dataclasses
from typing import NewType, Optional

import msgspec
from django_bolt import UploadFile
from django_bolt.types import APIKeyAuth, JWTClaims, Request, RequestProtocol, TimingState, TracingState, UserType
from django_bolt.typing import (
    is_dataclass_type,
    is_msgspec_struct,
    is_optional,
    is_sequence_type,
    is_simple_type,
    is_upload_file_type,
    resolve_type_alias,
    unwrap_optional,
)


def test_parametrized_request_annotation_is_the_request(api, client_for):
    @api.get("/typed")
    async def typed(request: Request[UserType, JWTClaims, TimingState]) -> dict:
        return {"path": request.path, "protocol": isinstance(request, RequestProtocol)}

    assert client_for(api).get("/typed").json() == {"path": "/typed", "protocol": True}


def test_typed_dicts_describe_their_keys():
    assert {"sub", "exp", "is_staff", "permissions"} <= set(JWTClaims.__annotations__)
    assert APIKeyAuth.__required_keys__ == {"key_id", "key_name", "permissions"}
    assert APIKeyAuth.__optional_keys__ == {"rate_limit", "metadata"}
    assert TracingState.__required_keys__ == {"trace_id", "span_id"}


def test_annotation_helpers():
    UserId = NewType("UserId", int)

    class S(msgspec.Struct):
        a: int

    @dataclasses.dataclass
    class D:
        a: int

    assert is_optional(Optional[int]) and is_optional(int | None) and not is_optional(int)  # noqa: UP045
    assert unwrap_optional(str | None) is str and unwrap_optional(int) is int
    assert is_msgspec_struct(S) and not is_msgspec_struct(D)
    assert is_dataclass_type(D) and not is_dataclass_type(D(1))
    assert resolve_type_alias(UserId) is int and is_simple_type(UserId) and not is_simple_type(list[int])
    assert is_sequence_type(list[int]) and is_sequence_type(tuple[int, ...]) and not is_sequence_type(str)
    assert is_upload_file_type(UploadFile) and is_upload_file_type(list[UploadFile] | None)
    assert not is_upload_file_type(list[int])
