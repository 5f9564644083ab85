"""The release's ``django_bolt.admin`` helpers: is Django's admin usable, where is it routed, and
where is a static file (DEBUG finders).

The admin itself needs nothing from here: runbolt answers paths no bolt route matches with the
project's ``ROOT_URLCONF`` (``admin/`` included), see ``mounts.py``.
"""

from .admin_detection import (
    detect_admin_url_prefix,
    get_admin_info,
    get_admin_route_patterns,
    is_admin_installed,
    should_enable_admin,
)
from .static import find_static_file

__all__ = [
    "detect_admin_url_prefix",
    "find_static_file",
    "get_admin_info",
    "get_admin_route_patterns",
    "is_admin_installed",
    "should_enable_admin",
]
