"""The WebSocket timeout settings: defaults, the release's names, and refused values."""

from __future__ import annotations

import pytest
from django_bolt.conf import BoltConfig


def test_defaults_are_safe():
    config = BoltConfig.build()
    assert config.ws_accept_timeout == 10.0
    assert (config.ws_ping_interval, config.ws_ping_timeout) == (20.0, 20.0)
    assert config.ws_idle_timeout == 0.0
    assert config.ws_compression is True
    assert config.ws_max_connections == 0  # no limit
    record = config.server_dict()
    assert record["ws_ping_interval"] == 20.0 and record["ws_idle_timeout"] == 0.0


def test_settings_and_the_release_names(settings):
    settings.BOLT_WS_ACCEPT_TIMEOUT = 3
    settings.BOLT_WS_IDLE_TIMEOUT = 600.5
    # The release's names keep its rules (ints; numbers are never read from strings).
    settings.BOLT_WS_HEARTBEAT_INTERVAL = 5
    settings.BOLT_WS_CLIENT_TIMEOUT = 7
    settings.BOLT_WS_COMPRESSION = "false"
    config = BoltConfig.from_settings()
    assert (config.ws_accept_timeout, config.ws_idle_timeout) == (3.0, 600.5)
    assert (config.ws_ping_interval, config.ws_ping_timeout) == (5.0, 7.0)
    assert config.ws_compression is False
    settings.BOLT_WS_PING_INTERVAL = 0  # our name wins; 0 turns pings off
    assert BoltConfig.from_settings().ws_ping_interval == 0.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ws_accept_timeout", 0, "BOLT_WS_ACCEPT_TIMEOUT must be a positive number of seconds"),
        ("ws_ping_timeout", -1, "BOLT_WS_PING_TIMEOUT must be a positive number of seconds"),
        ("ws_ping_interval", -1, "BOLT_WS_PING_INTERVAL must be 0 (never) or a positive"),
        ("ws_idle_timeout", -5, "BOLT_WS_IDLE_TIMEOUT must be 0 (never) or a positive"),
        ("ws_idle_timeout", "soon", "BOLT_WS_IDLE_TIMEOUT must be a number of seconds, got str 'soon'"),
    ],
)
def test_bad_values_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BoltConfig.build(**{field: value})


def test_rust_refuses_a_non_finite_timeout():
    from django_bolt import BoltAPI

    with pytest.raises(ValueError, match="ws_ping_timeout"):
        BoltAPI().compile(BoltConfig.build(ws_ping_timeout=float("inf")))
