from typing import Annotated

from django_bolt import BoltAPI
from django_bolt.serializers import Email, Meta, Serializer, computed_field, field, field_validator
from django_bolt.testing import TestClient


class Address(Serializer):
    city: Annotated[str, Meta(min_length=1)]
    postcode: Annotated[str, Meta(pattern=r"^\d{5}$")]


class SignUp(Serializer, rename="camel"):
    id: int = field(read_only=True)  # output only: ignored on input
    user_name: str
    email: Email
    password: str = field(write_only=True)  # input only: never sent back
    address: Address

    @field_validator("user_name")
    def not_reserved(cls, value):
        if value.lower() in {"admin", "root"}:
            raise ValueError("this name is reserved")
        return value.lower()

    @computed_field
    def greeting(self) -> str:
        return f"Welcome, {self.user_name}!"


api = BoltAPI()


@api.post("/signup", status_code=201)
async def signup(data: SignUp) -> SignUp:
    return data


client = TestClient(api)
ok = client.post(
    "/signup",
    json={
        "userName": "Ann",
        "email": "ann@example.com",
        "password": "pw",
        "address": {"city": "Oslo", "postcode": "01234"},
    },
)
assert ok.status_code == 201
assert ok.json() == {
    "id": None,
    "userName": "ann",
    "email": "ann@example.com",
    "address": {"city": "Oslo", "postcode": "01234"},
    "greeting": "Welcome, ann!",
}

# One 422 lists every failing field, with paths into nested objects; field validators run
# for the fields that passed their type checks ("root" is reserved).
bad = client.post("/signup", json={"userName": "root", "email": "nope", "address": {"city": ""}})
assert bad.status_code == 422
assert sorted(e["loc"] for e in bad.json()["detail"]) == [
    ["body", "address", "city"],
    ["body", "address", "postcode"],
    ["body", "email"],
    ["body", "password"],
    ["body", "userName"],
]
