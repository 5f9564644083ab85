"""The ``django-bolt`` console script."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="django-bolt", description="django-bolt helper commands")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("version", help="print the installed version")
    args = parser.parse_args(argv)
    if args.command in (None, "version"):
        from django_bolt import __version__

        print(f"django-bolt {__version__}")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
