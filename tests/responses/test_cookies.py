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
        'old=""; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; SameSite=Lax',
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
    assert Cookie("a", samesite=False).to_header_value() == 'a=""; Path=/'
    assert make_delete_cookie("gone", path="/app").to_header_value().startswith('gone=""; Max-Age=0; ')
    with pytest.raises(ValueError):
        Cookie("bad;name", "x").to_header_value()  # checked when the header is built


@pytest.mark.parametrize("value", ["a b;c", '{"a": 1}', "été,\\x"])
def test_a_cookie_value_is_written_as_django_writes_it_and_reads_back(api, client_for, value):
    from http.cookies import SimpleCookie

    @api.get("/set")
    async def set_value(v: str):
        return JSON({}).set_cookie("k", v)

    @api.get("/read")
    async def read(request):
        return dict(request.cookies)

    client = client_for(api)
    header = client.get("/set", params={"v": value}).headers["set-cookie"]
    expected = SimpleCookie()
    expected["k"] = value
    assert header == f"k={expected['k'].coded_value}; Path=/; SameSite=Lax"
    written = header.removesuffix("; Path=/; SameSite=Lax")
    assert client.get("/read", headers={"cookie": written}).json() == {"k": value}


def test_the_cookie_header_is_read_as_django_reads_it(api, client_for):
    from django.http import parse_cookie

    @api.get("/read")
    async def read(request):
        return dict(request.cookies)

    raw = 'a=1; bare; b="x\\"y"; ; c = 2 '
    assert client_for(api).get("/read", headers={"cookie": raw}).json() == parse_cookie(raw)


@pytest.mark.parametrize("value", ["a\x01b", "tab\there", "del\x7f", "snow\u2603"])
def test_a_value_no_header_can_carry_is_refused(value):
    with pytest.raises(ValueError, match="control or non-Latin-1"):
        JSON({}).set_cookie("k", value)


def test_cookie_dates_are_the_moment_in_utc():
    import datetime as dt
    from email.utils import format_datetime

    from django_bolt import _core

    plus5 = dt.timezone(dt.timedelta(hours=5))
    for moment in (
        dt.datetime(2030, 6, 9, 10, 11, 12, tzinfo=dt.timezone.utc),
        dt.datetime(2030, 6, 9, 10, 11, 12, tzinfo=plus5),
        dt.datetime(2000, 2, 29, 23, 59, 59, 999_999, tzinfo=dt.timezone.utc),
        dt.datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=dt.timezone.utc),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc),
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc),
    ):
        assert _core.format_cookie_date(moment) == format_datetime(moment.astimezone(dt.timezone.utc), usegmt=True)
    # A naive datetime is UTC (as Django's set_cookie takes it).
    assert _core.format_cookie_date(dt.datetime(2030, 6, 9, 10, 11, 12)) == "Sun, 09 Jun 2030 10:11:12 GMT"
    assert (
        _core.format_cookie_date(dt.datetime(2030, 6, 9, 10, 11, 12, tzinfo=plus5)) == "Sun, 09 Jun 2030 05:11:12 GMT"
    )
    header = JSON({}).set_cookie("k", "v", expires=dt.datetime(2030, 6, 9, 10, 11, 12, tzinfo=plus5)).cookies[0]
    assert "expires=Sun, 09 Jun 2030 05:11:12 GMT" in header
