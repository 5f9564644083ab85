"""``request.build_absolute_uri()`` as Django's: locations are resolved against the request URL
and the result is percent-encoded; ``SECURE_PROXY_SSL_HEADER`` sets the scheme."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from django_bolt import BoltAPI

LOCATIONS = ["?page=2", "../up", "sibling", "", "//other.example/x", "/café x", "/x\r\nSet-Cookie: a=b", "/a/./b"]


@pytest.fixture(scope="module")
def api():
    api = BoltAPI()

    @api.get("/dir/page")
    async def page(request, i: int = -1):
        return {"uri": request.build_absolute_uri(LOCATIONS[i] if i >= 0 else None)}

    @api.get("/meta")
    async def meta(request):
        return {"addr": request.META["REMOTE_ADDR"], "host": request.META["REMOTE_HOST"]}

    return api


@pytest.mark.parametrize("index", range(len(LOCATIONS)))
def test_locations_are_joined_as_django_joins_them(api, client_for, index):
    with override_settings(ALLOWED_HOSTS=["example.com"]):
        response = client_for(api).get(f"/dir/page?i={index}", headers={"Host": "example.com"})
        django = RequestFactory().get(f"/dir/page?i={index}", HTTP_HOST="example.com")
        assert response.json() == {"uri": django.build_absolute_uri(LOCATIONS[index])}


def test_without_a_location_the_request_url_keeps_its_encoded_query(api, client_for):
    with override_settings(ALLOWED_HOSTS=["example.com"]):
        response = client_for(api).get("/dir/page?i=-1&q=a%26b+c", headers={"Host": "example.com"})
    assert response.json() == {"uri": "http://example.com/dir/page?i=-1&q=a%26b+c"}


def test_secure_proxy_ssl_header_sets_the_scheme(api, client_for):
    settings = {"ALLOWED_HOSTS": ["example.com"], "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}
    with override_settings(**settings):
        client = client_for(api)
        secure = client.get("/dir/page?i=0", headers={"Host": "example.com", "X-Forwarded-Proto": "https"})
        plain = client.get("/dir/page?i=0", headers={"Host": "example.com", "X-Forwarded-Proto": "http"})
    assert secure.json() == {"uri": "https://example.com/dir/page?page=2"}
    assert plain.json() == {"uri": "http://example.com/dir/page?page=2"}


def test_remote_host_is_the_client_address(api, client_for):
    data = client_for(api).get("/meta").json()
    assert data["host"] == data["addr"] != ""
