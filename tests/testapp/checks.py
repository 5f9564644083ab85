from django.conf import settings
from django.core import checks


@checks.register()
def failing_check_for_tests(app_configs, **kwargs):
    if getattr(settings, "BOLT_TEST_FAIL_CHECK", False):
        return [checks.Error("deliberately failing check", id="testapp.E001")]
    if getattr(settings, "BOLT_TEST_WARN_CHECK", False):
        return [checks.Warning("deliberate warning", id="testapp.W001")]
    return []
