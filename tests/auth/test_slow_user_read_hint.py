"""Dev mode names the line of a sync ``request.user`` read that made the event loop wait for the
user to load (a read in a helper: the route cannot see it and load the user first), once."""

from __future__ import annotations

import inspect
import logging
import time
from types import SimpleNamespace

import pytest
from django.test import override_settings
from django_bolt import BoltAPI, Request, concurrency
from django_bolt.auth import JWTAuthentication

from .conftest import bearer, claims, pyjwt_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


class SlowLoader:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def load_user(self, user_id, claims):
        time.sleep(self.seconds)
        return SimpleNamespace(username="slow", is_authenticated=True)


def name_of(request: Request) -> str:
    return request.user.username


READ_AT = f"{__file__}:{inspect.getsourcelines(name_of)[1] + 1}"


def hints(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "blocked the event loop" in r.getMessage()]


@pytest.fixture(autouse=True)
def fresh_reports(monkeypatch):
    monkeypatch.setattr(concurrency, "_reported_slow_reads", set())
    monkeypatch.setattr(logging.getLogger("django_bolt"), "propagate", True)
    monkeypatch.delenv("DJANGO_BOLT_DEV_WORKER", raising=False)


def api_with(seconds: float) -> BoltAPI:
    api = BoltAPI(auth=[JWTAuthentication(user_loader=SlowLoader(seconds))])

    @api.get("/me")
    async def me(request: Request) -> dict:
        return {"username": name_of(request)}

    return api


@pytest.mark.parametrize("debug", [True, False])
def test_a_slow_read_on_the_loop_is_named_once_in_dev_mode(client_for, caplog, debug):
    caplog.set_level(logging.WARNING, logger="django_bolt")
    with override_settings(DEBUG=debug):
        client = client_for(api_with(concurrency.SLOW_LOOP_READ_SECONDS + 0.02))
        for _ in range(2):
            assert client.get("/me", headers=bearer(pyjwt_token(claims()))).json() == {"username": "slow"}
    if not debug:
        assert hints(caplog) == []
        return
    (hint,) = hints(caplog)
    assert READ_AT in hint
    assert "await request.auser()" in hint


def test_a_fast_read_is_not_named(client_for, caplog):
    caplog.set_level(logging.WARNING, logger="django_bolt")
    with override_settings(DEBUG=True):
        client = client_for(api_with(0))
        assert client.get("/me", headers=bearer(pyjwt_token(claims()))).json() == {"username": "slow"}
    assert hints(caplog) == []
