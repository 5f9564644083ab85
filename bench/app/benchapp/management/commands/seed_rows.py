"""Create (or reset) the rows that the ``/orm`` endpoint reads.

Run ``python manage.py migrate`` first.  Idempotent: existing rows are removed.
"""

from django.core.management.base import BaseCommand

from benchapp.models import Row, Title, Writer


class Command(BaseCommand):
    help = "Fill the benchmark table with deterministic rows."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=20, help="Number of rows to create (default: 20)")

    def handle(self, *args, **options):
        count = options["count"]
        Row.objects.all().delete()
        Row.objects.bulk_create(Row(name=f"row-{i:03d}", value=i * 7) for i in range(1, count + 1))
        # /vs/books: 60 titles over 6 writers (a page of 50, each with its writer nested).
        Title.objects.all().delete()
        Writer.objects.all().delete()
        writers = Writer.objects.bulk_create(Writer(name=f"writer-{i}") for i in range(6))
        Title.objects.bulk_create(Title(name=f"title-{i:03d}", pages=100 + i, writer=writers[i % 6]) for i in range(60))
        # The user named by the JWT endpoints' token (sub "1" on the fresh database).
        from django.contrib.auth import get_user_model

        get_user_model().objects.update_or_create(pk=1, defaults={"username": "bench"})
        self.stdout.write(f"seeded {Row.objects.count()} rows")
