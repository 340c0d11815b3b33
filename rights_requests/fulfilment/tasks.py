"""Celery tasks of the register extract, the data export and the print batch.

Thin: they take ids, call the plain functions and own the retries. Each function is
idempotent (a second run returns the file already built, or records nothing twice), so
a redelivered task (`acks_late`, settings.CELERY_TASK_ACKS_LATE) does no work twice.
"""

import datetime

from celery import shared_task

from . import extract, portability, printbatch

RETRY = {"autoretry_for": (ConnectionError, OSError), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, **RETRY)
def build_extract(request_id: int) -> int:
    """Build the register extract of a request; return the Artifact id."""
    return extract.build_register_extract(request_id).pk


@shared_task(acks_late=True, **RETRY)
def build_export(request_id: int) -> int:
    """Build the data export of a portability request; return the Artifact id."""
    return portability.build_export(request_id).pk


@shared_task(acks_late=True, **RETRY)
def print_batch(day: str | None = None) -> dict:
    """Join the letters of `day` (ISO date; default yesterday, Swedish time) for the printer."""
    date = datetime.date.fromisoformat(day) if day else printbatch.yesterday()
    batch = printbatch.build_print_batch(date)
    return {"day": date.isoformat(), "letters": len(batch.letters), "pages": batch.pages}
