"""Request/response logging through Python's ``logging`` (``BoltAPI(logging_config=...)``).

Without ``logging_config=`` a route keeps the Rust access log (``BOLT_ACCESS_LOG``) and pays
nothing in Python; with it, the API's routes log their requests, responses and exceptions to
``LoggingConfig.logger_name`` with secrets masked.
"""

from .config import LoggingConfig, get_default_logging_config, setup_django_logging
from .middleware import LoggingMiddleware, create_logging_middleware

__all__ = [
    "LoggingConfig",
    "LoggingMiddleware",
    "create_logging_middleware",
    "get_default_logging_config",
    "setup_django_logging",
]
