"""``CurrentUser``/``get_current_user`` in a sync handler use their sync forms: the user is loaded
on the handler's thread, with no event loop started for the dependency."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Annotated

import pytest
from django_bolt import BoltAPI, CurrentUser, Depends, get_current_user
from django_bolt.auth import JWTAuthentication

from .conftest import bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


class ThreadRecordingLoader:
    def __init__(self) -> None:
        self.threads: list[int] = []

    def load_user(self, user_id, claims):
        self.threads.append(threading.get_ident())
        return SimpleNamespace(username=f"user-{user_id}", is_authenticated=True)


def tenant_of(user=Depends(get_current_user)) -> str:
    return user.username


def test_the_user_loads_on_the_sync_handlers_thread(client_for):
    loader = ThreadRecordingLoader()
    api = BoltAPI(auth=[JWTAuthentication(user_loader=loader)])

    @api.get("/me")
    def me(user: CurrentUser) -> dict:
        return {"username": user.username, "thread": threading.get_ident()}

    @api.get("/nested")
    def nested(name: Annotated[str, Depends(tenant_of)]) -> dict:
        return {"username": name, "thread": threading.get_ident()}

    client = client_for(api)
    for path in ("/me", "/nested"):
        loader.threads.clear()
        body = client.get(path, headers=bearer(pyjwt_token(claims(sub="5")))).json()
        assert body["username"] == "user-5"
        assert loader.threads == [body["thread"]], path
    assert client.get("/me").status_code == 401
