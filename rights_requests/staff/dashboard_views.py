"""The DPO dashboard (an admin page), its CSV export and the monthly PDF report."""

import csv
import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import charts, selectors
from .report import render_pdf


def _require_dashboard(request):
    if not request.user.has_perm("rights_requests.view_dashboard"):
        raise PermissionDenied


def dashboard_context(user, *, on: datetime.date, months_to: datetime.date | None = None) -> dict:
    """Open requests as of `on` (today); monthly figures for the 12 months up to `months_to`."""
    buckets = selectors.deadline_buckets(user, on=on)
    months = selectors.monthly_figures(user, on=months_to or on)
    # The charts name the months as the table "Per month" beside them does
    # (staff/_dashboard_tables.html: `m.month|date:"Y-m"`): 2025-12, not 25-12.
    labels = [date_format(m.month, "Y-m") for m in months]
    return {
        "on": on,
        "buckets": [(key, label, buckets[key]) for key, label in selectors.BUCKETS],
        "open_total": buckets["total"],
        "by_company": selectors.open_by_company(user, on=on),
        "by_right": selectors.open_by_right(user, on=on),
        "months": months,
        # Each chart has a visible caption that also names it for screen readers.
        "charts": [
            charts.titled_bar_chart(
                "chart-on-time",
                labels,
                [m.on_time_rate for m in months],
                title=_("Answered on time: share of the requests decided in the month"),
                maximum=1,
                percent=True,
                colour="#2e7d32",
            ),
            charts.titled_bar_chart(
                "chart-median-days",
                labels,
                [m.median_days for m in months],
                title=_("Median handling time in days, from receipt to decision"),
            ),
            charts.titled_bar_chart(
                "chart-extended",
                labels,
                [m.extension_rate for m in months],
                title=_("Extended: share of the requests decided in the month"),
                maximum=1,
                percent=True,
                colour="#ef6c00",
            ),
            charts.titled_bar_chart(
                "chart-refused",
                labels,
                [m.refusal_rate for m in months],
                title=_("Refused: share of the requests decided in the month"),
                maximum=1,
                percent=True,
                colour="#b3261e",
            ),
        ],
        "at_risk": list(selectors.at_risk(user, on=on)),
        "pending_refusals": list(selectors.pending_refusals(user)),
    }


def dashboard(request, site):
    from rights_requests.reminders import (
        extension_proposals,
        failed_effects,
        notices_due,
        tasks_due,
    )

    _require_dashboard(request)
    on = selectors.today()
    context = {
        **site.each_context(request),
        **dashboard_context(request.user, on=on),
        # More open requests than the team answers in a month: extensions proposed with
        # the notice drafted; staff decide (rights_requests/reminders.py).
        "extension_proposals": extension_proposals(request.user, on=on),
        "failed_effects": failed_effects(request.user),
        "notices_due": notices_due(request.user),
        "tasks_due": tasks_due(request.user, on=on),
        "title": _("DPO dashboard"),
    }
    return TemplateResponse(request, "staff/dashboard.html", context)


class _Echo:
    def write(self, value):
        return value


def export_csv(request, site):
    """Open requests with their deadlines (no personal data), or with ?figures=monthly the
    twelve months' figures behind the charts."""
    _require_dashboard(request)
    on = selectors.today()
    writer = csv.writer(_Echo())
    if request.GET.get("figures") == "monthly":
        return _monthly_csv(request.user, on, writer)

    def rows():
        yield writer.writerow(
            [
                "reference",
                "organisation",
                "company",
                "right",
                "channel",
                "status",
                "received_on",
                "deadline_on",
                "days_left",
                "extended",
                "assignee",
            ]
        )
        for r in selectors.open_requests_for_export(request.user).iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    r.reference,
                    r.legal_entity.organisation.name,
                    r.legal_entity.name,
                    r.right,
                    r.channel,
                    r.status,
                    r.received_on.isoformat(),
                    r.deadline_on.isoformat(),
                    (r.deadline_on - on).days,
                    "yes" if r.extended_due_on else "no",
                    r.assignee.get_username() if r.assignee_id else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="open-requests-{on.isoformat()}.csv"'
    return response


def report_pdf(request, site):
    """The monthly report for management, as a PDF (WeasyPrint, nothing fetched from the network)."""
    _require_dashboard(request)
    on = months_to = selectors.today()
    month = request.GET.get("month")
    if month:
        try:
            year, number = (int(part) for part in month.split("-"))
            datetime.date(year, number, 1)  # validates the month
        except ValueError:
            return HttpResponse(
                _("Give the month as YYYY-MM."), status=400, content_type="text/plain"
            )
        nxt = datetime.date(year + number // 12, number % 12 + 1, 1)
        months_to = min(on, nxt - datetime.timedelta(days=1))
    context = {
        **dashboard_context(request.user, on=on, months_to=months_to),
        "month": months_to.replace(day=1),
        "generated_by": request.user.get_username(),
    }
    html = render_to_string("staff/report.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dsr-report-{months_to:%Y-%m}.pdf"'
    return response


def _monthly_csv(user, on, writer):
    def rate(value):
        return "" if value is None else f"{value:.3f}"

    lines = [
        writer.writerow(
            [
                "month",
                "decided",
                "on_time",
                "on_time_rate",
                "median_days",
                "extended",
                "extension_rate",
                "refused",
                "refusal_rate",
            ]
        )
    ]
    for m in selectors.monthly_figures(user, on=on):
        lines.append(
            writer.writerow(
                [
                    m.month.strftime("%Y-%m"),
                    m.decided,
                    m.on_time,
                    rate(m.on_time_rate),
                    "" if m.median_days is None else m.median_days,
                    m.extended,
                    rate(m.extension_rate),
                    m.refused,
                    rate(m.refusal_rate),
                ]
            )
        )
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monthly-figures-{on:%Y-%m}.csv"'
    return response
