from django.apps import AppConfig


class DjangoBoltConfig(AppConfig):
    name = "django_bolt"
    verbose_name = "django-bolt"
