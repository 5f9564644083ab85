"""Response cookie chaining (set_cookie/delete_cookie return the response, name= spelling) and the
django_bolt.cookies.Cookie value class."""

import pytest
from django_bolt import JSON
from django_bolt.cookies import Cookie, make_delete_cookie


def test_chained_cookies_reach_the_client(api, client_for):
    @api.get("/login")
    async def login():
        return (
            JSON({"ok": True})
            .set_cookie("session", "abc", httponly=True)
            .set_cookie(name="theme", value="dark", samesite="strict")
            .delete_cookie(name="old")
        )

    r = client_for(api).get("/login")
    set_cookies = r.headers.get_list("set-cookie")
    assert set_cookies == [
        "session=abc; Path=/; HttpOnly; SameSite=Lax",
        "theme=dark; Path=/; SameSite=Strict",
        "old=; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=Lax",
    ]
    assert r.cookies["session"] == "abc"


def test_name_must_be_given_once():
    with pytest.raises(TypeError):
        JSON({}).set_cookie("a", name="b")
    with pytest.raises(TypeError):
        JSON({}).delete_cookie()


def test_cookie_value_class_matches_set_cookie():
    cookie = Cookie("sid", "v1", max_age=60, domain="example.com", secure=True, httponly=True, samesite="None")
    assert (
        cookie.to_header_value()
        == JSON({})
        .set_cookie("sid", "v1", max_age=60, domain="example.com", secure=True, httponly=True, samesite="none")
        .cookies[0]
    )
    assert cookie.to_raw_tuple() == ("set-cookie", cookie.to_header_value())
    assert Cookie("a", samesite=False).to_header_value() == "a=; Path=/"
    assert make_delete_cookie("gone", path="/app").to_header_value().startswith("gone=; Max-Age=0; ")
    with pytest.raises(ValueError):
        Cookie("bad;name", "x").to_header_value()  # checked when the header is built
