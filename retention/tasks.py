"""Celery tasks: thin, call plain functions (retention/sweeps.py)."""

from celery import shared_task

from . import sweeps


@shared_task
def nightly_sweep() -> int:
    """Carry out the retention sweep (beat: nightly); return the RetentionRun id."""
    run, _report = sweeps.run_sweep(dry_run=False, trigger="beat")
    return run.pk
