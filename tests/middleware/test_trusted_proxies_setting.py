"""``BOLT_TRUSTED_PROXIES`` is checked entry by entry when the settings are read (the release's
``ImproperlyConfigured``, still a ``ValueError``)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("entry", ["not-an-ip", "10.0.0.0/33", "fe80::1%eth0", 10, None])
def test_trusted_proxies_entries_are_checked(entry):
    from django.core.exceptions import ImproperlyConfigured
    from django_bolt.conf import BoltConfig

    with pytest.raises(ImproperlyConfigured, match="BOLT_TRUSTED_PROXIES"):
        BoltConfig.build(trusted_proxies=["10.0.0.0/8", entry])
    with pytest.raises(ValueError, match="must be a list"):
        BoltConfig.build(trusted_proxies={"10.0.0.0/8": "edge"})
    assert BoltConfig.build(trusted_proxies=("10.0.0.1", "::1/128")).trusted_proxies == ("10.0.0.1", "::1/128")
    assert BoltConfig.build(trusted_proxies="10.0.0.0/8").trusted_proxies == ("10.0.0.0/8",)
