from django.apps import AppConfig


class DjangoBoltConfig(AppConfig):
    name = "django_bolt"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "django-bolt"
