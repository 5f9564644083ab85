"""An empty URLconf: LocaleMiddleware reads ROOT_URLCONF (tests/middleware)."""

urlpatterns: list = []
