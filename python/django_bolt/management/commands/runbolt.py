"""``python manage.py runbolt``: serve the project's API with the Rust HTTP server."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Serve the django-bolt API of this project."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to bind (default 8000).")
        parser.add_argument(
            "--workers", type=int, default=None, help="Rust worker threads (default BOLT_WORKERS or 1)."
        )
        parser.add_argument(
            "--processes", type=int, default=1, help="Worker processes (only 1 is supported in this version)."
        )
        parser.add_argument("--backlog", type=int, default=None, help="Listen backlog (default 1024).")
        parser.add_argument(
            "--keep-alive",
            type=float,
            default=None,
            dest="keep_alive",
            help="Idle keep-alive timeout in seconds (default 5).",
        )
        parser.add_argument(
            "--dev", action="store_true", help="Restart when a Python file changes (Django's autoreloader)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["processes"] != 1:
            raise CommandError("--processes other than 1 is not supported by this version of django-bolt yet")
        if options["dev"]:
            from django.utils import autoreload

            autoreload.run_with_reloader(self.serve, **options)
        else:
            self.serve(**options)

    def serve(self, **options: Any) -> None:
        from django_bolt import _core
        from django_bolt.conf import BoltConfig
        from django_bolt.discovery import discover_api

        self.check(display_num_errors=False)
        self.check_migrations()
        config = BoltConfig.from_settings(
            workers=options["workers"], backlog=options["backlog"], keep_alive_timeout=options["keep_alive"]
        )
        try:
            api = discover_api()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        app = api.compile(config)
        host, port = options["host"], options["port"]
        self.stdout.write(f"django-bolt: {app.route_count} routes, listening on http://{host}:{port}")
        sys.stdout.flush()
        try:
            _core.serve(app, host, port)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        except KeyboardInterrupt:
            pass
        self.stdout.write("django-bolt: stopped")
