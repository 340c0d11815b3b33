"""What happens when staff finish the last checklist task of a request.

The manual connector reports a request's work as pending while any of its tasks is
open. When the last one is marked done, an erasure that waited for it is queued again
(through the outbox, so it runs once and survives a broker outage); the resumed run asks
only the manual systems and then completes the request with the reply.
"""

from __future__ import annotations

from rights_requests.models import Right, Status


def open_tasks(request):
    from datamap.models import ManualTask

    return ManualTask.objects.filter(request=request, done_at__isnull=True)


def on_task_done(task) -> bool:
    """Resume the request's fulfilment if this was its last open task; return whether queued."""
    request = task.request
    if request is None or request.status != Status.IN_PROGRESS or open_tasks(request).exists():
        return False
    if request.right != Right.ERASURE:
        return False
    from rights_requests import outbox

    from .erasure import DONE_EVENT

    runs = request.events.filter(kind=DONE_EVENT).count()
    if not runs:
        return False  # the erasure has not run yet; it will find the task done
    outbox.enqueue_fulfilment(request, "erasure.carry_out", generation=runs + 1)
    return True
