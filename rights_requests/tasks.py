"""Celery tasks: thin, take ids, call plain functions, own retries."""

from celery import shared_task

from . import notices, sweeps


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=8)
def send_notice(request_id: int, kind: str) -> bool:
    return notices.send_notice(request_id, kind)


@shared_task
def deadline_sweep() -> dict:
    return {str(k): v for k, v in sweeps.sweep_deadline_states().items()}
