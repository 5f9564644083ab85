from tests.server.conftest import (  # noqa: F401 - fixtures shared with the real-server tests
    server_db,
    server_logs,
    start_server,
)
