"""Periodic clean-up of identity records (listed in settings.CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from identity import email_code, ratelimit

logger = logging.getLogger(__name__)


@shared_task(name="identity.tasks.prune")
def prune() -> dict:
    """Delete expired rate-limit counters and spent e-mail codes."""
    result = {"counters": ratelimit.prune(), "challenges": email_code.prune_challenges()}
    logger.info("identity prune: %s", result)
    return result
