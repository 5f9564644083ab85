"""``DEBUG`` is read when the server starts; a later change (a test's ``override_settings``, or a
value of the wrong type) is reported on stderr when it would have mattered, never ignored silently."""

from __future__ import annotations

import uuid

from django.test import override_settings
from django_bolt import BoltAPI


def _crashing_api() -> BoltAPI:
    api = BoltAPI()

    @api.get("/crash")
    async def crash() -> dict:
        raise RuntimeError("boom")

    return api


def test_a_wrong_debug_set_after_startup_is_reported(client_for, capfd):
    client = client_for(_crashing_api(), raise_server_exceptions=False)
    wrong = f"yes-{uuid.uuid4().hex[:6]}"
    with override_settings(DEBUG=wrong):
        r = client.get("/crash")
    assert (r.status_code, r.json()) == (500, {"detail": "Internal Server Error"})
    err = capfd.readouterr().err
    assert f"DEBUG must be a bool or an int, got str {wrong!r}; the server keeps DEBUG = False" in err


def test_a_valid_change_is_reported_once_and_the_startup_value_kept(client_for, capfd):
    client = client_for(_crashing_api(), raise_server_exceptions=False)
    with override_settings(DEBUG=7):
        first, second = client.get("/crash"), client.get("/crash")
    assert first.json() == second.json() == {"detail": "Internal Server Error"}  # no traceback: startup's DEBUG
    err = capfd.readouterr().err
    assert err.count("DEBUG is 7 but was False when the server started; the server keeps DEBUG = False") == 1
    client.get("/crash")
    assert "DEBUG is" not in capfd.readouterr().err  # unchanged again: nothing to say
