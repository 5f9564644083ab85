from tests.server.conftest import (  # noqa: F401 - fixtures shared with the real-server tests
    _shared_server,
    server,
    server_db,
    server_logs,
    start_server,
)
