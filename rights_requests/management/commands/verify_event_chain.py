"""Recompute the hash chain of every request's events and name the first broken row."""

from django.core.management.base import BaseCommand, CommandError

from rights_requests.models import RequestEvent, RightsRequest
from rights_requests.workflow import verify_chain


class Command(BaseCommand):
    help = "Verify the append-only audit trail; exit 1 and name the first broken row if tampered."

    def add_arguments(self, parser):
        parser.add_argument("--reference", help="check one request only (e.g. KE-2026-000123)")

    def handle(self, *args, reference=None, **options):
        ids = None
        if reference:
            ids = list(
                RightsRequest.objects.filter(reference=reference).values_list("pk", flat=True)
            )
            if not ids:
                raise CommandError(f"no request with reference {reference}")
        breaks = verify_chain(ids)
        checked = (
            RequestEvent.objects.filter(request_id__in=ids).count()
            if ids
            else RequestEvent.objects.count()
        )
        if not breaks:
            self.stdout.write(self.style.SUCCESS(f"event chain intact: {checked} event(s) checked"))
            return
        references = dict(
            RightsRequest.objects.filter(pk__in=[b.request_id for b in breaks]).values_list(
                "pk", "reference"
            )
        )
        for b in breaks:
            self.stderr.write(
                f"BROKEN {references.get(b.request_id, b.request_id)}: event #{b.seq} (id {b.event_id}): {b.problem}"
            )
        raise CommandError(f"{len(breaks)} request(s) have a broken event chain")
