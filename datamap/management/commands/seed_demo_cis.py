"""Create and fill the demo customer information system (the "cis" database alias)."""

import time

from django.core.management.base import BaseCommand

from datamap import democis


class Command(BaseCommand):
    help = (
        "Create the demo CIS tables (idempotent) and add synthetic customers with hourly "
        "meter readings; with --for-demo-subjects, seed the portal's demo customers instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=0, help="Synthetic customers to add (benchmark data)."
        )
        parser.add_argument(
            "--years", type=int, default=1, help="Years of hourly readings per metering point."
        )
        parser.add_argument(
            "--points", type=int, default=2, help="Metering points per synthetic customer."
        )
        parser.add_argument(
            "--for-demo-subjects",
            action="store_true",
            help="Seed every DataSubject of the portal as a CIS customer.",
        )
        parser.add_argument("--reset", action="store_true", help="Drop the demo CIS tables first.")

    def handle(self, *args, customers, years, points, for_demo_subjects, reset, **options):
        started = time.monotonic()
        if reset:
            democis.drop_schema()
        democis.create_schema()
        democis.configure_systems()
        if for_demo_subjects:
            from rights_requests.models import DataSubject

            added = democis.seed_for_demo(
                DataSubject.objects.order_by("pk"), years_of_readings=years
            )
            self.stdout.write(f"Demo subjects: {added} rows added.")
        if customers:
            added = democis.generate(customers, years_of_readings=years, points_per_customer=points)
            self.stdout.write(
                "Synthetic customers: " + ", ".join(f"{t} {n}" for t, n in added.items() if n)
            )
        totals = democis.counts()
        self.stdout.write(
            "Demo CIS now holds: "
            + ", ".join(f"{t} {n}" for t, n in totals.items())
            + f" ({time.monotonic() - started:.1f} s)."
        )
