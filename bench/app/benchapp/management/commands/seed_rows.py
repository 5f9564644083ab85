"""Create (or reset) the rows that the ``/orm`` endpoint reads.

Run ``python manage.py migrate`` first.  Idempotent: existing rows are removed.
"""

from django.core.management.base import BaseCommand

from benchapp.models import Row


class Command(BaseCommand):
    help = "Fill the benchmark table with deterministic rows."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20, help="Number of rows to create (default: 20)")

    def handle(self, *args, **options):
        count = options["count"]
        Row.objects.all().delete()
        Row.objects.bulk_create(Row(name=f"row-{i:03d}", value=i * 7) for i in range(1, count + 1))
        # The user named by the JWT endpoints' token (sub "1" on the fresh database).
        from django.contrib.auth import get_user_model

        get_user_model().objects.update_or_create(pk=1, defaults={"username": "bench"})
        self.stdout.write(f"seeded {Row.objects.count()} rows")
