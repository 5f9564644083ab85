"""``include_in_schema``: the route's (or its view class's) setting, else its API's
(``BoltAPI(include_in_schema=)``, inherited through ``mount()``), else shown."""

from __future__ import annotations

from django_bolt import BoltAPI


def _paths(api: BoltAPI, client_for) -> set[str]:
    return set(client_for(api).get("/docs/openapi.json").json()["paths"])


def test_an_api_can_hide_its_routes_and_a_route_can_show_itself(client_for):
    api = BoltAPI(include_in_schema=False)

    @api.get("/hidden")
    async def hidden():
        return {"ok": True}

    @api.get("/shown", include_in_schema=True)
    async def shown():
        return {}

    assert _paths(api, client_for) == {"/shown"}
    assert client_for(api).get("/hidden").json() == {"ok": True}


def test_mounted_apis_keep_their_setting_or_inherit_the_parent_s(client_for):
    hidden = BoltAPI(include_in_schema=False)

    @hidden.get("/x")
    async def x():
        return {}

    plain = BoltAPI()

    @plain.get("/y")
    async def y():
        return {}

    @plain.get("/z", include_in_schema=False)
    async def z():
        return {}

    parent = BoltAPI()
    parent.mount("/h", hidden)
    parent.mount("/p", plain)
    assert _paths(parent, client_for) == {"/p/y"}

    hiding_parent = BoltAPI(include_in_schema=False)
    hiding_parent.mount("/p", plain)
    assert _paths(hiding_parent, client_for) == set()
