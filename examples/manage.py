#!/usr/bin/env python
"""Command-line entry point for the django-bolt example project."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exampleproject.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:  # pragma: no cover - only hit without Django installed
        raise ImportError("Django is not importable. Activate the virtualenv where django-bolt is installed.") from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
