"""Reads for the staff queues and the DPO dashboard, aggregated in the database.

Each function takes the staff member (`user`) and reads only their companies' requests
(rights_requests/roles.py). The number of queries does not grow with the number of
requests: counts use `Count(filter=...)`, groupings use `values().annotate()`, and the
monthly median is picked out with window functions.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import deadlines, roles
from ..models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Outcome,
    RequestEvent,
    Right,
    RightsRequest,
    Status,
)

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
RECENTLY_COMPLETED_DAYS = 30

REFUSAL_PROPOSED = "refusal.proposed"
REFUSAL_APPROVED = "refusal.approved"
REFUSAL_REJECTED = "refusal.rejected"


def today() -> datetime.date:
    return deadlines.receipt_date(timezone.now())


def requests_for(user) -> QuerySet:
    return roles.scope_requests(RightsRequest.objects.all(), user)


# --- Queues -----------------------------------------------------------------------------------


QUEUES = {
    "open": _("Open"),
    "mine": _("My queue"),
    "unassigned": _("Unassigned"),
    "awaiting_identity": _("Awaiting identity"),
    "awaiting_customer": _("Awaiting customer"),
    "due_7": _("Due within 7 days"),
    "overdue": _("Overdue"),
    "pending_refusal": _("Refusal awaiting DPO"),
    "recently_completed": _("Recently completed"),
    "all": _("All"),
}


def with_pending_refusal(queryset: QuerySet) -> QuerySet:
    """Annotate the kind of the latest refusal event (proposed, approved or rejected)."""
    latest = (
        RequestEvent.objects.filter(request_id=OuterRef("pk"), kind__startswith="refusal.")
        .order_by("-seq")
        .values("kind")[:1]
    )
    return queryset.annotate(last_refusal_event=Subquery(latest))


def queue(queryset: QuerySet, name: str, *, user, on: datetime.date | None = None) -> QuerySet:
    """Filter `queryset` (already scoped) to one work queue."""
    on = on or today()
    open_ = Q(status__in=OPEN_STATUSES)
    if name == "all":
        return queryset
    if name == "mine":
        return queryset.filter(open_, assignee_id=user.pk)
    if name == "unassigned":
        return queryset.filter(open_, assignee__isnull=True)
    if name == "awaiting_identity":
        return queryset.filter(status=Status.AWAITING_IDENTITY)
    if name == "awaiting_customer":
        return queryset.filter(status=Status.AWAITING_CUSTOMER)
    if name == "due_7":
        return queryset.filter(
            open_, deadline_on__gte=on, deadline_on__lte=on + datetime.timedelta(days=7)
        )
    if name == "overdue":
        return queryset.filter(open_, deadline_on__lt=on)
    if name == "pending_refusal":
        return with_pending_refusal(queryset.filter(open_)).filter(
            last_refusal_event=REFUSAL_PROPOSED
        )
    if name == "recently_completed":
        since = timezone.now() - datetime.timedelta(days=RECENTLY_COMPLETED_DAYS)
        return queryset.filter(status__in=CLOSED_STATUSES, closed_at__gte=since).order_by(
            "-closed_at"
        )
    return queryset.filter(open_)


# --- Dashboard --------------------------------------------------------------------------------


BUCKETS = [
    ("overdue", _("Overdue")),
    ("due_3", _("Due within 3 days")),
    ("due_7", _("Due within 7 days")),
    ("due_14", _("Due within 14 days")),
    ("later", _("Later")),
]


def deadline_buckets(user, *, on: datetime.date | None = None) -> dict[str, int]:
    """Open requests counted by how near their deadline is (one query)."""
    on = on or today()
    d = datetime.timedelta
    counts = (
        requests_for(user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(
            overdue=Count("pk", filter=Q(deadline_on__lt=on)),
            due_3=Count("pk", filter=Q(deadline_on__gte=on, deadline_on__lte=on + d(days=3))),
            due_7=Count(
                "pk", filter=Q(deadline_on__gt=on + d(days=3), deadline_on__lte=on + d(days=7))
            ),
            due_14=Count(
                "pk", filter=Q(deadline_on__gt=on + d(days=7), deadline_on__lte=on + d(days=14))
            ),
            later=Count("pk", filter=Q(deadline_on__gt=on + d(days=14))),
            total=Count("pk"),
        )
    )
    return counts


def open_by_company(user, *, on: datetime.date | None = None) -> list[dict]:
    on = on or today()
    return list(
        requests_for(user)
        .filter(status__in=OPEN_STATUSES)
        .values("legal_entity_id", "legal_entity__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline_on__lt=on)))
        .order_by("legal_entity__name")
    )


def open_by_right(user, *, on: datetime.date | None = None) -> list[dict]:
    on = on or today()
    labels = dict(Right.choices)
    rows = (
        requests_for(user)
        .filter(status__in=OPEN_STATUSES)
        .values("right")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline_on__lt=on)))
        .order_by("right")
    )
    return [{**row, "label": labels.get(row["right"], row["right"])} for row in rows]


def at_risk(user, *, on: datetime.date | None = None, limit: int = 50) -> QuerySet:
    """Open requests overdue or due within 7 days, nearest deadline first."""
    on = on or today()
    return (
        requests_for(user)
        .filter(status__in=OPEN_STATUSES, deadline_on__lte=on + datetime.timedelta(days=7))
        .select_related("legal_entity", "assignee")
        .order_by("deadline_on", "pk")[:limit]
    )


def pending_refusals(user) -> QuerySet:
    return queue(requests_for(user), "pending_refusal", user=user).select_related("legal_entity")


@dataclass
class MonthFigures:
    month: datetime.date  # first day of the month
    decided: int = 0
    on_time: int = 0
    extended: int = 0
    refused: int = 0
    median_days: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.decided if self.decided else None

    @property
    def extension_rate(self) -> float | None:
        return self.extended / self.decided if self.decided else None

    @property
    def refusal_rate(self) -> float | None:
        return self.refused / self.decided if self.decided else None


def month_starts(last: datetime.date, count: int = 12) -> list[datetime.date]:
    """The first days of the `count` months ending with `last`'s month, oldest first."""
    year, month = last.year, last.month
    months = []
    for _i in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def monthly_figures(
    user, *, on: datetime.date | None = None, months: int = 12
) -> list[MonthFigures]:
    """Per month of decision (Stockholm), over the last `months` months (two queries).

    A request counts in the month it was decided (completed or refused; withdrawn ones
    are left out). On time: decided on or before its deadline, extended or not (Art.
    12(3)). Handling time: from receipt to decision, in days.
    """
    on = on or today()
    starts = month_starts(on, months)
    since = datetime.datetime.combine(starts[0], datetime.time(), tzinfo=STOCKHOLM)
    decided = (
        requests_for(user)
        .filter(status__in=(Status.COMPLETED, Status.REFUSED), closed_at__gte=since)
        .annotate(
            month=TruncMonth("closed_at", tzinfo=STOCKHOLM),
            closed_on=TruncDate("closed_at", tzinfo=STOCKHOLM),
        )
    )
    rows = decided.values("month").annotate(
        decided=Count("pk"),
        on_time=Count("pk", filter=Q(closed_on__lte=F("deadline_on"))),
        extended=Count("pk", filter=Q(extended_due_on__isnull=False)),
        refused=Count("pk", filter=Q(outcome=Outcome.REFUSED)),
    )
    by_month = {
        _month_key(row["month"]): MonthFigures(
            month=_month_key(row["month"]),
            **{k: row[k] for k in ("decided", "on_time", "extended", "refused")},
        )
        for row in rows
    }
    # The median: number the rows of each month by handling time and keep the middle one
    # or two (filtering on a window function, so only those rows leave the database).
    handling = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())
    middle = (
        decided.annotate(
            handling=handling,
            position=Window(
                RowNumber(), partition_by=[F("month")], order_by=[handling.asc(), F("pk").asc()]
            ),
            size=Window(Count("pk"), partition_by=[F("month")]),
        )
        .filter(position__gte=(F("size") + 1) / 2, position__lte=(F("size") + 2) / 2)
        .values_list("month", "handling")
    )
    middles: dict[datetime.date, list[datetime.timedelta]] = {}
    for month, duration in middle:
        middles.setdefault(_month_key(month), []).append(duration)
    for month, durations in middles.items():
        if month in by_month:
            seconds = sum(d.total_seconds() for d in durations) / len(durations)
            by_month[month].median_days = round(seconds / 86400, 1)
    return [by_month.get(start, MonthFigures(month=start)) for start in starts]


def _month_key(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.astimezone(STOCKHOLM).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def open_requests_for_export(user) -> QuerySet:
    return (
        requests_for(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("legal_entity", "legal_entity__organisation", "assignee")
        .order_by("deadline_on", "pk")
    )
