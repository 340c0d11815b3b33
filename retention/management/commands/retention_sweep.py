"""manage.py retention_sweep [--dry-run] [--today YYYY-MM-DD]: print or carry out the sweep."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from retention import sweeps


class Command(BaseCommand):
    help = (
        "Erase or anonymise what is past its retention period (portal files, old closed "
        "requests, and the systems' rows through their connectors). Run with --dry-run "
        "first: it prints the counts per entity, system, category and action and changes "
        "nothing. Every run is recorded (Retention runs in the admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count only; change nothing.")
        parser.add_argument(
            "--today", help="Sweep as of this date (YYYY-MM-DD, Stockholm); default today."
        )

    def handle(self, *args, dry_run=False, today=None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today must be YYYY-MM-DD") from None
        run, report = sweeps.run_sweep(dry_run=dry_run, today=day, trigger="command")
        self.stdout.write(report.as_text())
        self.stdout.write(f"Recorded as retention run {run.pk}.")
        if report.errors:
            raise CommandError(f"{len(report.errors)} part(s) failed; see above.")
