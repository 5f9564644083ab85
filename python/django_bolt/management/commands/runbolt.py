"""``python manage.py runbolt``: serve the project's API with the Rust HTTP server.

Every flag has a ``BOLT_*`` setting (see ``django_bolt.conf.SETTING_NAMES``); flags win.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.autoreload import get_template_directories

from django_bolt.api_names import find_bolt_api_names
from django_bolt.runbolt_helpers import (
    _build_display_url,
    _collapse_watch_paths,
    _display_host,
    default_worker_threads,
    gil_enabled,
)
from django_bolt.supervisor import (
    DEV_RELOAD_DEBOUNCE_MS,
    DEV_RELOAD_IGNORE_DIRS,
    WORKER_FLAG,
    _build_dev_worker_command,
    _dev_worker_main_module,
    is_dev_worker,
)

# The release's names, importable from here as with the release.
__all__ = [
    "Command",
    "DEV_RELOAD_DEBOUNCE_MS",
    "DEV_RELOAD_IGNORE_DIRS",
    "_build_dev_worker_command",
    "_build_display_url",
    "_collapse_watch_paths",
    "_dev_worker_main_module",
    "_display_host",
    "default_worker_threads",
    "find_bolt_api_names",
    "format_routes",
]

# (flag, config field, type, help). Defaults are None so that settings apply when a flag is absent.
_VALUE_FLAGS = [
    ("--host", "host", str, "address to bind (BOLT_HOST, default 127.0.0.1)"),
    ("--port", "port", int, "port to bind (BOLT_PORT, default 8000)"),
    ("--processes", "processes", int, "worker processes sharing the port (BOLT_PROCESSES, default 1)"),
    ("--workers", "workers", int, "Rust worker threads per process (BOLT_WORKERS, default 1)"),
    ("--backlog", "backlog", int, "listen backlog (BOLT_BACKLOG, default 1024)"),
    (
        "--keep-alive",
        "keep_alive_timeout",
        float,
        "idle keep-alive timeout in seconds (BOLT_KEEP_ALIVE_TIMEOUT, default 5)",
    ),
    ("--max-rss", "max_rss_mb", int, "recycle a worker above this resident memory in MiB (BOLT_MAX_RSS, default off)"),
    (
        "--workers-lifetime",
        "workers_lifetime",
        float,
        "recycle each worker after this many seconds (BOLT_WORKERS_LIFETIME)",
    ),
    (
        "--workers-kill-timeout",
        "workers_kill_timeout",
        float,
        "seconds a stopping worker gets before SIGKILL (BOLT_WORKERS_KILL_TIMEOUT, default 30)",
    ),
]
_SWITCHES = [
    ("--dev", "dev", "restart workers when a Python file changes (BOLT_DEV)"),
    (
        "--respawn-failed-workers",
        "respawn_failed_workers",
        "restart workers that die (BOLT_RESPAWN_FAILED_WORKERS, on by default)",
    ),
    (
        "--no-admin",
        "no_admin",
        "do not serve the project's ROOT_URLCONF (the admin, Django views) for paths no route matches (BOLT_NO_ADMIN)",
    ),
]


class Command(BaseCommand):
    help = "Serve the django-bolt API of this project with the Rust HTTP server."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        for flag, dest, kind, text in _VALUE_FLAGS:
            parser.add_argument(flag, dest=dest, type=kind, default=None, help=text)
        for flag, dest, text in _SWITCHES:
            parser.add_argument(flag, dest=dest, action="store_const", const=True, default=None, help=text)
        parser.add_argument(
            "--reload-dir",
            dest="reload_dirs",
            action="append",
            default=None,
            help="extra directory to watch with --dev (repeatable; BOLT_RELOAD_DIRS)",
        )
        parser.add_argument("--skip-checks", action="store_true", help="skip Django's system checks (as runserver)")
        parser.add_argument(
            "--routes",
            dest="list_routes",
            action="store_true",
            help="list every route (method, path, handler, authentication) and exit",
        )
        # Internal: marks a supervised worker; "READY_FD,LISTEN_FD,SUPERVISOR_PID": the pipe to write to once
        # serving, the supervisor's listening socket, and the pid whose exit the worker follows.
        parser.add_argument(WORKER_FLAG, dest="worker_fds", default=None, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        import django
        from django.conf import settings

        from django_bolt.conf import SETTING_NAMES, BoltConfig

        # runserver's own check: with no host allowed, every request would be a 400.
        if not settings.DEBUG and not settings.ALLOWED_HOSTS:
            raise CommandError("You must set settings.ALLOWED_HOSTS if DEBUG is False.")
        overrides = {field: options.get(field) for field in SETTING_NAMES if field in options}
        if overrides.get("workers") is None and getattr(settings, SETTING_NAMES["workers"], None) is None:
            overrides["workers"] = default_worker_threads()
        try:
            config = BoltConfig.from_settings(**overrides)
        except ValueError as exc:
            raise CommandError(_name_the_flag(str(exc), options)) from exc
        if options["worker_fds"] is not None:
            from django_bolt.supervisor import exit_with_parent

            ready_fd, listen_fd, supervisor_pid = (int(v) for v in options["worker_fds"].split(","))
            exit_with_parent(supervisor_pid)
            self.serve(config, reuse_port=False, ready_fd=ready_fd, listen_fd=listen_fd)
            return
        if options.get("list_routes"):
            self.stdout.write(format_routes(self.load_api(), config))
            return
        self.startup_checks(skip_checks=bool(options.get("skip_checks")))
        try:
            route_count = self.route_count()
        except CommandError as exc:
            if not config.dev:
                raise
            # --dev: the workers answer with this error (a 500) until a file changes.
            self.stderr.write(f"django-bolt: the API cannot be loaded: {exc}")
            route_count = 0
        _raise_open_file_limit(config.max_connections)
        # Asking for restarts (the flag, or the setting given explicitly) means a supervisor
        # even for one process: a lone server that dies is not restarted by anyone.
        respawn_asked = bool(options.get("respawn_failed_workers")) or (
            getattr(settings, SETTING_NAMES["respawn_failed_workers"], None) is True
        )
        supervised = config.processes > 1 or config.dev or config.max_rss_mb or config.workers_lifetime or respawn_asked
        if supervised and sys.platform == "win32":
            self.stderr.write("django-bolt: worker processes need a Unix system; serving in one process")
            config = config.replace(processes=1, dev=False, max_rss_mb=0, workers_lifetime=0.0)
            supervised = False
        banner = "\n".join(
            [
                f"django-bolt: {route_count} routes, listening on "
                + _build_display_url(config.host, config.port, dev_mode=config.dev)
                + _process_model(config, supervised),
                f"Django Bolt {_bolt_version()}, Django version {django.get_version()}, "
                f"using settings {settings.SETTINGS_MODULE!r}",
                f"DEBUG = {settings.DEBUG}" + (", --dev: restarts when a Python file changes" if config.dev else ""),
                "Quit with CONTROL-C.",
            ]
        )
        # Printed once the port is bound, never before a bind that fails.
        if supervised:
            self.supervise(config, banner)
        else:
            self.serve(config, reuse_port=False, ready_fd=None, banner=banner)

    def announce(self, banner: str) -> None:
        self.stdout.write(banner)
        sys.stdout.flush()

    def startup_checks(self, skip_checks: bool = False) -> None:
        """As runserver: Django's system checks (errors stop startup; ``--skip-checks``), and a
        warning for unapplied migrations."""
        if not skip_checks:
            self.stdout.write("Performing system checks...\n\n")
            self.check(display_num_errors=True)
        self.check_migrations()
        from django.db import connections

        # The checks' connection would stay open, idle, on the main thread for the server's life.
        connections.close_all()

    def autodiscover_apis(self) -> list[tuple[str, Any]]:
        """The project's APIs as ``[("module:attr", api), ...]`` (``BOLT_API``, else the api
        modules of the project and its installed apps); an error loading one is a
        ``CommandError`` of one line naming the file and line."""
        from django_bolt.discovery import discover_api_entries
        from django_bolt.route_errors import describe_route_error

        try:
            return discover_api_entries(apps.get_app_configs())
        except Exception as exc:
            raise CommandError(describe_route_error(exc)) from exc

    def load_api(self) -> Any:
        """The project's API, its APIs merged into one."""
        entries = self.autodiscover_apis()
        if not entries:
            from django_bolt.discovery import NO_API_FOUND

            raise CommandError(NO_API_FOUND)
        return self.merge_apis(entries)

    def merge_apis(self, apis: list[tuple[str, Any]]) -> Any:
        """The release's form: ``[(dotted name, api), ...]`` merged into one API; a conflict
        (different error formatters, trailing-slash policies...) is a ``CommandError`` naming
        the API."""
        from django_bolt.discovery import merge_apis

        names = [name for name, _ in apis]
        try:
            return merge_apis([api for _, api in apis])
        except ValueError as exc:
            raise CommandError(f"cannot merge the APIs {', '.join(names)}: {exc}") from exc

    def route_count(self) -> int:
        from django_bolt.route_errors import describe_route_error

        api = self.load_api()
        # Validates every handler signature before any worker starts.
        for route in api.routes:
            try:
                api._compile_route(route)
            except Exception as exc:
                raise CommandError(describe_route_error(exc, route)) from exc
        return len(api.routes)

    def supervise(self, config: Any, banner: str) -> None:
        from django_bolt.supervisor import Supervisor, worker_command

        roots = [Path(p) for p in _collect_dev_watch_paths(list(config.reload_dirs))] if config.dev else []

        def log(message: str) -> None:
            self.stderr.write(f"django-bolt: {message}")
            self.stderr.flush()

        try:
            supervisor = Supervisor(config, worker_command(), log, watch_roots=roots, dev_workers=config.dev)
        except OSError as exc:
            raise CommandError(f"cannot listen on {config.host}:{config.port}: {exc}") from exc
        self.announce(banner)
        code = supervisor.run()
        self.stdout.write("django-bolt: stopped")
        sys.exit(code)

    def serve(
        self,
        config: Any,
        *,
        reuse_port: bool,
        ready_fd: int | None,
        listen_fd: int | None = None,
        banner: str | None = None,
    ) -> None:
        from django_bolt import _core
        from django_bolt.discovery import discover_api

        supervised = ready_fd is not None

        def on_ready() -> None:  # called by Rust once the socket listens
            if ready_fd is not None:
                os.write(ready_fd, b"1")
                os.close(ready_fd)
            if banner is not None:
                self.announce(banner)

        from django_bolt.lifespan import lifespans_running
        from django_bolt.mounts import serve_project_urls

        if listen_fd is None and os.name == "posix":
            # Bound before anything starts (lifespans, the event loop thread): a port in use
            # stops startup with nothing to undo.
            from django_bolt.supervisor import listening_socket

            try:
                sock = listening_socket(config.host, config.port, config.backlog)
            except OSError as exc:
                raise CommandError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}") from exc
            sock.set_inheritable(False)
            listen_fd = sock.detach()  # the server owns it from here

        try:
            api = discover_api()
            if not config.no_admin:
                serve_project_urls(api)
            app = api.compile(config)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            if not is_dev_worker():
                raise
            # --dev: print the error once and answer every request with it until a file changes
            # (the supervisor then starts a new worker), instead of dying and being restarted.
            from django_bolt.dev_errors import broken_api

            traceback.print_exc()
            sys.stderr.flush()
            api = broken_api(exc)
            app = api.compile(config)
        # Everything imported so far lives as long as the process: keep it out of GC passes.
        gc.collect()
        gc.freeze()
        drained = True
        try:
            with lifespans_running(api, config.event_loop):
                drained = _core.serve(app, config.host, config.port, reuse_port, on_ready, listen_fd)
        except OSError as exc:
            raise CommandError(f"cannot listen on {config.host}:{config.port}: {exc}") from exc
        except KeyboardInterrupt:
            pass
        if not supervised:
            self.stdout.write("django-bolt: stopped")
        if not drained:
            # A handler past the grace period may still run Python on a server thread: finalizing
            # the interpreter under it aborts the process (SIGABRT), so the process ends here.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def _resolved(value: Any) -> Path | None:
    try:
        return Path(os.fspath(value)).resolve()
    except (TypeError, ValueError, OSError):
        return None


def _installed_code_paths() -> set[Path]:
    """The standard library's and the site-packages trees (the interpreter's and the virtualenv's):
    installed code does not change under --dev. Not the whole prefix: a project or a temporary
    folder may live inside an environment's prefix (conda sets TMPDIR there)."""
    import site
    import sysconfig

    candidates = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    candidates.update(getattr(site, "getsitepackages", list)())
    candidates.add(getattr(site, "getusersitepackages", str)())
    resolved = {_resolved(p) for p in candidates if p}
    return {p for p in resolved if p is not None and p.exists()}


def _collect_loaded_python_paths() -> set[Path]:
    """The files of every imported module outside the interpreter and the virtualenv (the project,
    and apps on PYTHONPATH or installed editable)."""
    installed = _installed_code_paths()
    found: set[Path] = set()
    for module in list(sys.modules.values()):
        path = _resolved(getattr(module, "__file__", None) or "")
        if path is None or not path.is_file() or path.suffix not in (".py", ".pyw"):
            continue
        if not any(root == path or root in path.parents for root in installed):
            found.add(path)
    return found


def _module_paths(module_name: str) -> set[Path]:
    """A module's file, or a package's directories, without importing it."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return set()
    if spec is None:
        return set()
    locations = list(spec.submodule_search_locations or ()) or [spec.origin]
    resolved = {_resolved(location) for location in locations if location}
    return {path for path in resolved if path is not None and path.exists()}


def _api_module_names() -> list[str]:
    """The modules discovery imports: ``BOLT_API``'s, else the api modules that assign a BoltAPI."""
    from django.conf import settings

    from django_bolt.discovery import API_MODULE_NAMES, project_packages

    dotted = getattr(settings, "BOLT_API", None)
    if dotted:
        entries = [dotted] if isinstance(dotted, str) else [d for d in dotted if isinstance(d, str)]
        return [d.partition(":")[0] if ":" in d else d.rpartition(".")[0] for d in entries]
    packages = project_packages(getattr(settings, "ROOT_URLCONF", None))
    if apps.ready:
        packages += [config.name for config in apps.get_app_configs() if config.name != "django_bolt"]
    names = []
    for package in dict.fromkeys(packages):
        for suffix in API_MODULE_NAMES:
            name = f"{package}.{suffix}" if package else suffix
            if find_bolt_api_names(name):
                names.append(name)
    return names


def _prime_dev_watch_imports() -> None:
    """Imports the API modules so that the files they import are watched too; one that fails to
    import is reported and still watched (its worker shows the error until it is fixed)."""
    for name in _api_module_names():
        try:
            importlib.import_module(name)
        except Exception as exc:
            sys.stderr.write(
                f"django-bolt: --dev cannot import {name!r} ({exc}); the files it imports are not watched\n"
            )


def _collect_autodiscovery_python_paths() -> set[Path]:
    """Files discovery reads even when they fail to import: settings, URLconf, api modules."""
    from django.conf import settings

    names = set(_api_module_names())
    names.update(n for n in (getattr(settings, "SETTINGS_MODULE", None), getattr(settings, "ROOT_URLCONF", None)) if n)
    paths: set[Path] = set()
    for name in names:
        paths |= _module_paths(name)
    manage_py = Path.cwd().resolve() / "manage.py"
    if manage_py.is_file():
        paths.add(manage_py)
    return paths


def _collect_dev_watch_paths(reload_dirs: list[str] | None = None) -> list[str]:
    """What ``--dev`` watches: the project root (``BASE_DIR``, else the current directory), the
    files of imported project code outside it, the template directories and ``--reload-dir``s."""
    from django.conf import settings

    _prime_dev_watch_imports()
    paths = _collect_loaded_python_paths() | _collect_autodiscovery_python_paths()
    for directory in get_template_directories():
        path = _resolved(directory)
        if path is not None and path.exists():
            paths.add(path)
    for entry in reload_dirs or ():
        path = _resolved(entry)
        if path is not None and path.exists():
            paths.add(path)
        else:
            sys.stderr.write(f"django-bolt: --reload-dir {str(entry)!r} does not exist; it is not watched\n")
    root = _resolved(getattr(settings, "BASE_DIR", None) or "")
    paths.add(root if root is not None and root.is_dir() else Path.cwd().resolve())
    return [str(path) for path in _collapse_watch_paths(paths)]


def _bolt_version() -> str:
    from django_bolt import __version__

    return __version__


def _name_the_flag(message: str, options: dict[str, Any]) -> str:
    """A configuration error names the flag the value came from, when it came from one."""
    from django_bolt.conf import SETTING_NAMES

    for flag, dest, _kind, _help in _VALUE_FLAGS:
        setting = SETTING_NAMES.get(dest)
        if options.get(dest) is not None and setting and message.startswith(f"{setting} "):
            return flag + message[len(setting) :]
    return message


def _process_model(config: Any, supervised: bool) -> str:
    """`` (4 processes, 2 threads each)``: what serves, when it is more than one thread."""
    parts = []
    if supervised:
        parts.append(f"{config.processes} processes")
    if config.workers > 1:
        parts.append(f"{config.workers} threads each")
    if not gil_enabled():
        parts.append("free-threaded Python")
    return f" ({', '.join(parts)})" if parts else ""


def _raise_open_file_limit(wanted: int) -> None:
    """Lets one process hold ``wanted`` connections when the hard limit allows it."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + 256
    if soft != resource.RLIM_INFINITY and soft < target:
        new = target if hard == resource.RLIM_INFINITY else min(target, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            pass


def _names(items: Any) -> str:
    names = []
    for item in items or ():
        if isinstance(item, str):
            names.append(item.rsplit(".", 1)[-1])
        elif isinstance(item, type):
            names.append(item.__name__)
        else:
            names.append(type(item).__name__)
    return ", ".join(names)


def format_routes(api: Any, config: Any) -> str:
    """A table of the routes: method, path, handler (module.name) and who may call it."""
    rows = [("METHOD", "PATH", "HANDLER", "AUTH")]
    for route in api.routes:
        effective = route.with_defaults(api.auth, api.guards)
        auth = effective.auth if effective.auth is not None else config.authentication_classes
        guards = effective.guards if effective.guards is not None else config.default_permission_classes
        handler = route.handler
        name = f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"
        who = " + ".join(part for part in (_names(auth), _names(guards)) if part) or "public"
        rows.append((route.method, route.path, name, who))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{row[0].ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2].ljust(widths[2])}  {row[3]}" for row in rows
    )
