"""Create (or reset) the rows that the ``/orm`` endpoint reads.

Run ``python manage.py migrate`` first.  Idempotent: existing rows are removed.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from benchapp.models import Row, Title, Writer

#: The session key of the benchmark user's login (also in bench/run.py).
BENCH_SESSION = "benchsession0000000000000000000001"


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

        user, _ = get_user_model().objects.update_or_create(pk=1, defaults={"username": "bench"})
        # The logged-in session the "session" endpoint's cookie names (run.py SESSION_KEY).
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.contrib.sessions.models import Session

        Session.objects.filter(session_key=BENCH_SESSION).delete()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        # Stored under this fixed key directly: a SessionStore would pick a key of its own.
        Session.objects.create(
            session_key=BENCH_SESSION,
            session_data=SessionStore().encode(data),
            expire_date=timezone.now() + timedelta(days=30),
        )
        self.stdout.write(f"seeded {Row.objects.count()} rows")
