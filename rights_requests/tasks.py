"""Celery tasks: thin, take ids, call plain functions, own retries."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import notices, outbox, reminders, sweeps


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=120,
    max_retries=10,
)
def run_outbox(row_id: int) -> bool:
    """Perform one outbox effect (at most once; see rights_requests.outbox)."""
    return outbox.run(row_id)


@shared_task
def outbox_sweep() -> int:
    """Queue again the outbox rows still pending after their timeout."""
    return outbox.requeue_stale()


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=8)
def send_notice(request_id: int, kind: str) -> bool:
    """Kept for tasks queued before the outbox: run that notice's pending outbox rows."""
    return notices.send_notice(request_id, kind)


@shared_task
def deadline_sweep() -> dict:
    return {str(k): v for k, v in sweeps.sweep_deadline_states().items()}


@shared_task
def reminder_sweep() -> dict:
    """Reminders, escalations and DPO alerts, each queued once in the outbox."""
    return reminders.sweep()
