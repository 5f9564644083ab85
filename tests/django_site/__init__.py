"""A Django project around a bolt API: the admin, Django views and media files on runbolt
(tests/mounts). Its settings extend ``tests.settings``."""
