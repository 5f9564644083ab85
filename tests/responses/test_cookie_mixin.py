"""``CookieMixin``: the cookie methods every response class has, usable on a class of one's own."""

from __future__ import annotations

from django_bolt import HTML, JSON, FileResponse, PlainText, Redirect, Response, StreamingResponse
from django_bolt.responses import CookieMixin


def test_every_response_class_chains_cookies_through_the_mixin():
    for response in (
        Response(b"x"),
        JSON({}),
        PlainText("x"),
        HTML("x"),
        Redirect("/n"),
        FileResponse(__file__),
        StreamingResponse(iter([b"x"])),
    ):
        assert isinstance(response, CookieMixin)
        assert response.set_cookie("a", "1").delete_cookie("b") is response
        assert response.cookies == [
            "a=1; Path=/; SameSite=Lax",
            'b=""; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=Lax',
        ]


def test_a_class_of_ones_own_sends_its_cookies(api, client_for):
    class Tagged(CookieMixin):
        def __init__(self) -> None:
            self._raw_cookies: list[str] = []
            self._cookies: list = []

    tagged = Tagged().set_cookie("theme", "dark", httponly=True)
    assert tagged.cookies == ["theme=dark; Path=/; HttpOnly; SameSite=Lax"]

    class Page(Response):
        """A subclass: chaining returns the subclass's instance."""

    @api.get("/page")
    async def page():
        return Page("hi").set_cookie("seen", "1")

    r = client_for(api).get("/page")
    assert (r.text, r.headers["set-cookie"]) == ("hi", "seen=1; Path=/; SameSite=Lax")
