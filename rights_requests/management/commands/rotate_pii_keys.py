"""Re-encrypt every stored personal number under the newest key (README: Key rotation)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from datamap import pii
from rights_requests.models import DataSubject


class Command(BaseCommand):
    help = (
        "Re-encrypt personal numbers with the first key of PII_ENCRYPTION_KEYS. Put the new key "
        "first, keep the old ones after it, run this, then remove the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size=500, **options):
        done = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    DataSubject.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", "personal_number_encrypted")[:batch_size]
                )
                if not batch:
                    break
                for subject in batch:
                    subject.personal_number_encrypted = pii.reencrypt(
                        subject.personal_number_encrypted
                    )
                DataSubject.objects.bulk_update(batch, ["personal_number_encrypted"])
            done += len(batch)
            last_pk = batch[-1].pk
        self.stdout.write(
            self.style.SUCCESS(f"re-encrypted {done} personal number(s) under the newest key")
        )
