"""Build the daily print batch of register-extract letters (rights_requests/fulfilment/printbatch.py)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from rights_requests.fulfilment import printbatch


class Command(BaseCommand):
    help = "Join one day's register-extract letters into one PDF for the printing company."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="The day (YYYY-MM-DD, Swedish time) whose letters to print; default yesterday.",
        )

    def handle(self, *args, date=None, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else printbatch.yesterday()
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD: {exc}") from exc
        batch = printbatch.build_print_batch(day)
        if not batch.letters:
            self.stdout.write(f"print batch {day}: no letters")
            return
        self.stdout.write(
            f"print batch {day}: {len(batch.letters)} letter(s), {batch.pages} page(s), "
            f"{batch.newly_recorded} newly recorded -> {batch.pdf_name} (list: {batch.manifest_name})"
        )
