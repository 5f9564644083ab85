"""``LoggingConfig`` and the opt-in non-blocking console logging (``setup_django_logging``).

Levels are chosen from the outcome, as Django's ``runserver`` does: requests at DEBUG, 2xx/3xx
responses at INFO, 4xx at WARNING, 5xx and exceptions at ERROR. Which of them appear is decided
by the project's ``LOGGING`` setting for ``logger_name``.
"""

from __future__ import annotations

import atexit
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from logging.handlers import QueueHandler, QueueListener
from queue import Full, Queue
from typing import Any

#: Paths not logged by default: probes would otherwise fill the log.
DEFAULT_SKIP_PATHS = frozenset({"/health", "/ready", "/metrics"})
#: Default bound of the log queue (``BOLT_LOG_QUEUE_SIZE``).
DEFAULT_LOG_QUEUE_SIZE = 10_000

# Module state of ``setup_django_logging``: one queue and one listener thread per process.
_LOGGING_CONFIGURED = False
_QUEUE: Queue[Any] | None = None
_QUEUE_LISTENER: QueueListener | None = None


@dataclass
class LoggingConfig:
    """What ``BoltAPI(logging_config=...)`` logs, and to which logger.

    ``request_log_fields`` among ``method``, ``path``, ``query``, ``headers``, ``body``,
    ``client_ip``, ``user_agent`` (``status_code`` is accepted for the release's default);
    ``response_log_fields`` among ``status_code``, ``duration``, ``size``. Headers and cookies
    named in ``obfuscate_headers``/``obfuscate_cookies`` are logged as ``***``. Successful
    responses may be sampled (``sample_rate``) or logged only when slow (``min_duration_ms``);
    errors always are.
    """

    logger_name: str = "django.server"
    request_log_fields: set[str] = field(default_factory=lambda: {"method", "path", "status_code"})
    response_log_fields: set[str] = field(default_factory=lambda: {"status_code"})
    obfuscate_headers: set[str] = field(
        default_factory=lambda: {"authorization", "cookie", "x-api-key", "x-auth-token"}
    )
    obfuscate_cookies: set[str] = field(default_factory=lambda: {"sessionid", "csrftoken"})
    log_request_body: bool = False
    log_response_body: bool = False
    max_body_log_size: int = 1024
    #: Kept for code written for the release: levels follow the status (see the module doc).
    log_level: str = "INFO"
    error_log_level: str = "ERROR"
    #: ``handler(logger, request, exc, exc_info)`` replaces the default exception record.
    exception_logging_handler: Callable[..., Any] | None = None
    skip_paths: set[str] = field(default_factory=lambda: set(DEFAULT_SKIP_PATHS))
    skip_status_codes: set[int] = field(default_factory=set)
    sample_rate: float | None = None
    min_duration_ms: int | None = None

    def __post_init__(self) -> None:
        if self.sample_rate is not None and not 0.0 <= float(self.sample_rate) <= 1.0:
            raise ValueError(f"LoggingConfig(sample_rate=) must be between 0.0 and 1.0, not {self.sample_rate!r}")
        if self.min_duration_ms is not None and self.min_duration_ms < 0:
            raise ValueError(f"LoggingConfig(min_duration_ms=) must be >= 0, not {self.min_duration_ms!r}")
        if not isinstance(logging.getLevelName(str(self.error_log_level).upper()), int):
            raise ValueError(f"LoggingConfig(error_log_level=) is not a logging level: {self.error_log_level!r}")
        self.obfuscate_headers = {h.lower() for h in self.obfuscate_headers}

    def get_logger(self) -> logging.Logger:
        return logging.getLogger(self.logger_name)

    def should_log_request(self, path: str, status_code: int | None = None) -> bool:
        """False for ``skip_paths`` and, once the status is known, ``skip_status_codes``."""
        if path in self.skip_paths:
            return False
        return not status_code or status_code not in self.skip_status_codes


def _django_settings() -> Any:
    from django.conf import settings

    return settings if settings.configured else None


def get_default_logging_config() -> LoggingConfig:
    """The config ``LoggingMiddleware()`` uses: in production (``DEBUG = False``) only
    successful responses slower than 250 ms are logged; ``DJANGO_BOLT_LOG_LEVEL``,
    ``DJANGO_BOLT_LOG_SAMPLE`` (0.0-1.0) and ``DJANGO_BOLT_LOG_SLOW_MS`` override."""
    settings = _django_settings()
    debug = bool(getattr(settings, "DEBUG", False))
    level = getattr(settings, "DJANGO_BOLT_LOG_LEVEL", None) or ("DEBUG" if debug else "WARNING")
    sample = getattr(settings, "DJANGO_BOLT_LOG_SAMPLE", None)
    slow_ms = getattr(settings, "DJANGO_BOLT_LOG_SLOW_MS", None)
    sample_rate = None
    if sample is not None:
        sample_rate = float(sample)
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"DJANGO_BOLT_LOG_SAMPLE must be between 0.0 and 1.0, not {sample!r}")
    min_duration_ms = max(0, int(slow_ms)) if slow_ms is not None else (None if debug else 250)
    return LoggingConfig(log_level=str(level).upper(), sample_rate=sample_rate, min_duration_ms=min_duration_ms)


class _DropOnFullQueueHandler(QueueHandler):
    """Puts records on a bounded queue and drops them when it is full.

    A request must never wait for the log; under a burst the excess records are counted
    (``dropped_count``) and one short line goes to stderr per ``DROP_NOTICE_EVERY`` drops,
    instead of ``QueueHandler``'s traceback per record.
    """

    DROP_NOTICE_EVERY = 10_000

    def __init__(self, queue: Queue[Any]) -> None:
        super().__init__(queue)
        self.dropped_count = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except Full:
            self.dropped_count += 1
            if self.dropped_count % self.DROP_NOTICE_EVERY == 1:
                sys.stderr.write(f"django-bolt: the log queue is full; {self.dropped_count} record(s) dropped\n")


class _BoundedQueueListener(QueueListener):
    """A ``QueueListener`` whose ``stop()`` works on a full queue: its stop marker waits for
    room (the listener thread is draining) instead of failing with ``queue.Full``."""

    def enqueue_sentinel(self) -> None:
        self.queue.put(self._sentinel)


def _queue_size() -> int:
    settings = _django_settings()
    raw = getattr(settings, "BOLT_LOG_QUEUE_SIZE", DEFAULT_LOG_QUEUE_SIZE)
    try:
        size = int(raw)
    except (TypeError, ValueError):
        size = 0
    if size <= 0:
        # Queue(maxsize <= 0) has no bound: a burst of logs could exhaust memory.
        sys.stderr.write(
            f"django-bolt: BOLT_LOG_QUEUE_SIZE must be a positive integer, not {raw!r}; "
            f"using {DEFAULT_LOG_QUEUE_SIZE}\n"
        )
        size = DEFAULT_LOG_QUEUE_SIZE
    return size


def _stop_listener() -> None:
    listener = _QUEUE_LISTENER
    if listener is not None and getattr(listener, "_thread", None) is not None:
        listener.stop()


def _ensure_queue_logging(base_level: str) -> QueueHandler:
    """A handler putting records on the process's bounded queue; the first call starts the
    listener thread that writes them to stderr at ``base_level`` and above."""
    global _QUEUE, _QUEUE_LISTENER  # noqa: PLW0603 - one queue per process
    if _QUEUE is None:
        _QUEUE = Queue(maxsize=_queue_size())
    handler = _DropOnFullQueueHandler(_QUEUE)
    handler.setLevel(logging.DEBUG)
    if _QUEUE_LISTENER is None:
        console = logging.StreamHandler()
        console.setLevel(base_level)
        console.setFormatter(
            logging.Formatter("%(levelname)s - %(asctime)s - %(name)s - %(message)s", "%Y-%m-%d %H:%M:%S")
        )
        _QUEUE_LISTENER = _BoundedQueueListener(_QUEUE, console)
        _QUEUE_LISTENER.start()
        atexit.register(_stop_listener)
    return handler


def setup_django_logging(force: bool = False) -> None:
    """Console logging through a background thread for a project without ``LOGGING``.

    Opt-in (runbolt does not call it): a project whose ``LOGGING`` setting is not empty is left
    as it configured itself. Otherwise the root, ``django``, ``django.server`` and
    ``django_bolt`` loggers write through one bounded queue (DEBUG when ``DEBUG``, else
    WARNING). Later calls do nothing unless ``force=True``.
    """
    global _LOGGING_CONFIGURED, _QUEUE_LISTENER  # noqa: PLW0603
    if _LOGGING_CONFIGURED and not force:
        return
    if force and _QUEUE_LISTENER is not None:
        _stop_listener()
        _QUEUE_LISTENER = None
    settings = _django_settings()
    if settings is None:
        return
    _LOGGING_CONFIGURED = True
    if getattr(settings, "LOGGING", None):
        return
    base_level = "DEBUG" if settings.DEBUG else "WARNING"
    handler = _ensure_queue_logging(base_level)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(base_level)
    for name in ("django", "django.server", "django_bolt"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        if not logger.level:
            logger.setLevel(base_level)
        # Each has the queue handler itself: propagating would write its records twice.
        logger.propagate = False


__all__ = ["LoggingConfig", "get_default_logging_config", "setup_django_logging"]
