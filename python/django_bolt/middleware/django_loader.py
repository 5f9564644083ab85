"""The release's module path for ``django_middleware=`` loading; the code is in ``django_adapter``."""

from .django_adapter import DEFAULT_EXCLUDED_MIDDLEWARE, get_django_middleware_setting, load_django_middleware

__all__ = ["DEFAULT_EXCLUDED_MIDDLEWARE", "get_django_middleware_setting", "load_django_middleware"]
