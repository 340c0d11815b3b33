"""Periodic sweeps over stored deadline columns: set-based, never row by row in Python."""

import datetime
import logging

from django.conf import settings
from django.db.models import Q

from . import deadlines
from .models import OPEN_STATUSES, DeadlineState, RightsRequest

logger = logging.getLogger(__name__)


def sweep_deadline_states(today: datetime.date | None = None) -> dict[str, int]:
    """Mark open requests overdue, due soon, on track or paused; return rows changed per state.

    A deadline day ends at midnight Stockholm time (R3), so a request is overdue from the
    day after `deadline_on`. A request whose clock is paused (R9) is not counted down.
    """
    from django.utils import timezone

    today = today or deadlines.receipt_date(timezone.now())
    soon = today + datetime.timedelta(days=settings.DSR_DUE_SOON_DAYS)
    open_requests = RightsRequest.objects.filter(status__in=OPEN_STATUSES)
    paused = Q(paused_since__isnull=False, pause_counts=True)
    running = open_requests.exclude(paused)
    targets = {
        DeadlineState.PAUSED: open_requests.filter(paused),
        DeadlineState.OVERDUE: running.filter(deadline_on__lt=today),
        DeadlineState.DUE_SOON: running.filter(deadline_on__gte=today, deadline_on__lte=soon),
        DeadlineState.ON_TRACK: running.filter(deadline_on__gt=soon),
    }
    changed = {
        state: queryset.exclude(deadline_state=state).update(deadline_state=state)
        for state, queryset in targets.items()
    }
    logger.info(
        "deadline sweep for %s: %s",
        today.isoformat(),
        ", ".join(f"{state} {count}" for state, count in changed.items()),
    )
    return changed
