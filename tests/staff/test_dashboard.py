"""The DPO dashboard's figures, charts, CSV export and monthly PDF report."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from identity.levels import IdentityLevel
from rights_requests import workflow
from rights_requests.models import ExtensionReason, Outcome
from rights_requests.staff import charts, selectors
from rights_requests.staff.report import local_only_fetcher, render_pdf
from tests.rights_requests.factories import file_request, stockholm

from .conftest import verified_client


def test_open_requests_are_bucketed_by_deadline(dpo, make_subject, elnat):
    today = selectors.today()
    made = [file_request(make_subject(), elnat, level=IdentityLevel.HIGH) for _i in range(5)]
    for request, days in zip(made, [-1, 0, 5, 10, 30], strict=True):
        type(request).objects.filter(pk=request.pk).update(
            deadline_on=today + datetime.timedelta(days=days)
        )
    counts = selectors.deadline_buckets(dpo, on=today)
    assert counts == {"overdue": 1, "due_3": 1, "due_7": 1, "due_14": 1, "later": 1, "total": 5}


def test_monthly_figures_give_on_time_rate_median_and_extension_and_refusal_rates(
    dpo, make_subject, elnat
):
    """Three requests received 2026-03-02 and decided in March after 3, 5 and 40 days."""
    received = stockholm(2026, 3, 2, 10, 0)
    decided = []
    for days, action in [(3, "complete"), (5, "refuse"), (40, "extend_complete")]:
        request = file_request(
            make_subject(), elnat, level=IdentityLevel.HIGH, received_at=received
        )
        at = received + datetime.timedelta(days=days)
        if action == "refuse":
            workflow.request_refuse(request, reasons="Manifestly unfounded.", now=at)
        else:
            if action == "extend_complete":
                workflow.request_extend(
                    request,
                    reason_code=ExtensionReason.VOLUME_OF_DATA,
                    reason="Much.",
                    now=received + datetime.timedelta(days=2),
                )
            workflow.request_complete(request, outcome=Outcome.GRANTED, now=at)
        decided.append(request)
    months = selectors.monthly_figures(dpo, on=datetime.date(2026, 4, 20))
    assert [m.month for m in months][-2:] == [datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)]
    march = months[-2]
    # 40 days after 2 March is 11 April: decided in April, not March.
    assert (march.decided, march.on_time, march.refused, march.extended) == (2, 2, 1, 0)
    assert march.median_days == 4.0
    april = months[-1]
    assert (april.decided, april.on_time, april.extended) == (1, 1, 1)
    assert april.median_days == 40.0
    assert april.extension_rate == 1.0


def test_the_median_of_an_odd_month_is_its_middle_request(dpo, make_subject, elnat):
    received = stockholm(2026, 5, 4, 9, 0)
    for days in (1, 2, 9):
        request = file_request(
            make_subject(), elnat, level=IdentityLevel.HIGH, received_at=received
        )
        workflow.request_complete(request, now=received + datetime.timedelta(days=days))
    may = selectors.monthly_figures(dpo, on=datetime.date(2026, 5, 31))[-1]
    assert may.median_days == 2.0
    assert may.on_time_rate == 1.0


def test_the_dashboard_page_shows_charts_and_the_requests_at_risk(dpo, make_subject, elnat):
    late = file_request(
        make_subject(),
        elnat,
        level=IdentityLevel.HIGH,
        received_at=timezone.now() - datetime.timedelta(days=45),
    )
    response = verified_client(dpo).get(reverse("admin:staff_dashboard"))
    page = response.content.decode()
    assert page.count('<svg class="staff-chart"') == 4
    assert "cdn" not in page.lower()
    assert late in response.context["at_risk"]
    assert response.context["buckets"][0][2] == 1


CHART_TITLES = [
    "Answered on time: share of the requests decided in the month",
    "Median handling time in days, from receipt to decision",
    "Extended: share of the requests decided in the month",
    "Refused: share of the requests decided in the month",
]


def captioned_charts(page: str) -> list[tuple[str, str, str]]:
    """(caption id, caption text, the <svg> start tag) of each <figure> of the page."""
    return re.findall(
        r'<figure[^>]*>\s*<figcaption id="([^"]+)"[^>]*>([^<]+)</figcaption>\s*(<svg[^>]*>)',
        page,
    )


def test_each_chart_has_a_visible_title_that_names_it(dpo):
    page = verified_client(dpo).get(reverse("admin:staff_dashboard")).content.decode()
    charts = captioned_charts(page)
    assert [title for _id, title, _svg in charts] == CHART_TITLES
    assert len({caption_id for caption_id, _title, _svg in charts}) == 4
    for caption_id, _title, svg in charts:
        # Named by the visible caption, not by a second, hidden name of its own.
        assert f'aria-labelledby="{caption_id}"' in svg
        assert "aria-label=" not in svg
    assert page.count('<svg class="staff-chart"') == 4


@override_settings(LANGUAGE_CODE="sv")
def test_the_chart_titles_are_in_swedish_in_the_staff_admin(dpo):
    page = verified_client(dpo).get(reverse("admin:staff_dashboard")).content.decode()
    assert [title for _id, title, _svg in captioned_charts(page)] == [
        "Besvarade i tid: andel av månadens beslutade begäranden",
        "Median för handläggningstid i dagar, från mottagande till beslut",
        "Förlängda: andel av månadens beslutade begäranden",
        "Avslagna: andel av månadens beslutade begäranden",
    ]


def test_the_report_shows_each_chart_with_its_title(dpo):
    from rights_requests.staff.dashboard_views import dashboard_context

    on = datetime.date(2026, 4, 20)
    context = {**dashboard_context(dpo, on=on), "month": on.replace(day=1), "generated_by": "x"}
    charts = captioned_charts(render_to_string("staff/report.html", context))
    assert [title for _id, title, _svg in charts] == CHART_TITLES
    for caption_id, _title, svg in charts:
        assert f'aria-labelledby="{caption_id}"' in svg


@pytest.mark.parametrize(
    ("language", "title"),
    [("sv", "Rättighetsärenden: månadsrapport"), ("en", "Rights requests: monthly report")],
)
def test_the_report_pdf_declares_the_language_it_is_written_in(dpo, settings, language, title):
    """The admin, and so the report, speaks LANGUAGE_CODE; the PDF says which (its /Lang,
    from <html lang>), so that a screen reader reads it in that language."""
    import io

    from pypdf import PdfReader

    settings.LANGUAGE_CODE = language
    response = verified_client(dpo).get(reverse("admin:staff_dashboard_pdf"), {"month": "2026-03"})
    pdf = PdfReader(io.BytesIO(response.content))
    assert pdf.trailer["/Root"]["/Lang"] == language
    assert f"{title} 2026-03" in pdf.pages[0].extract_text()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_report_template_takes_the_active_language(dpo, language):
    from rights_requests.staff.dashboard_views import dashboard_context

    on = datetime.date(2026, 4, 20)
    with translation.override(language):
        context = {**dashboard_context(dpo, on=on), "month": on.replace(day=1), "generated_by": "x"}
        html = render_to_string("staff/report.html", context)
    assert re.findall(r"<html[^>]*>", html) == [f'<html lang="{language}">']


def chart_texts(svg: str) -> list[str]:
    """The texts a chart prints (its coordinates use a decimal point in any language)."""
    return [text for text in re.findall(r">([^<]+)<", svg) if text.strip()]


@pytest.mark.parametrize(
    ("language", "days", "share"), [("sv", "21,5", "50\u00a0%"), ("en", "21.5", "50%")]
)
def test_the_charts_print_numbers_in_the_active_language(language, days, share):
    with translation.override(language):
        median = charts.bar_chart(["2026-03", "2026-04"], [21.5, None], title="t")
        rate = charts.bar_chart(["2026-03"], [0.5], title="t", maximum=1, percent=True)
    assert days in chart_texts(median)
    assert f"2026-03: {days}" in chart_texts(median)  # the bar's tooltip
    assert share in chart_texts(rate)


@override_settings(LANGUAGE_CODE="sv")
def test_the_dashboard_charts_print_numbers_as_the_swedish_tables_do(dpo, make_subject, elnat):
    received = timezone.now() - datetime.timedelta(days=30)
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH, received_at=received)
    workflow.request_complete(request, now=received + datetime.timedelta(days=21, hours=12))
    page = verified_client(dpo).get(reverse("admin:staff_dashboard")).content.decode()
    assert "<td>21,5</td>" in page  # the table "Per month"
    median = page.split('aria-labelledby="chart-median-days-title"', 1)[1].split("</svg>", 1)[0]
    texts = chart_texts(median)
    assert "21,5" in texts and "21.5" not in " ".join(texts)
    on_time = page.split('aria-labelledby="chart-on-time-title"', 1)[1].split("</svg>", 1)[0]
    assert "100\u00a0%" in chart_texts(on_time)


def table_months(page: str) -> list[str]:
    """The months of the table "Per month" (the last table before the charts), as printed."""
    before_charts = page.split('<svg class="staff-chart"', 1)[0]
    table = before_charts.rsplit("<table", 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td>", table)


def chart_months(svg: str) -> list[str]:
    """The months under a chart's bars."""
    return re.findall(r'<text [^>]*text-anchor="middle" fill="#444">([^<]+)</text>', svg)


def charts_of(page: str) -> list[str]:
    return re.findall(r'<svg class="staff-chart".*?</svg>', page, flags=re.DOTALL)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_charts_name_the_months_as_the_table_beside_them(dpo, settings, language):
    """2025-12 under the bars as in the table, not 25-12; the same in both languages."""
    settings.LANGUAGE_CODE = language
    page = verified_client(dpo).get(reverse("admin:staff_dashboard")).content.decode()
    assert f'<html lang="{language}"' in page
    months = table_months(page)
    today = selectors.today()
    assert len(months) == 12
    assert months[-1] == f"{today:%Y-%m}"
    svgs = charts_of(page)
    assert len(svgs) == 4
    for svg in svgs:
        assert chart_months(svg) == months


def test_the_report_charts_name_the_months_as_its_table(dpo, make_subject, elnat):
    from rights_requests.staff.dashboard_views import dashboard_context

    received = stockholm(2025, 12, 1, 9, 0)
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH, received_at=received)
    workflow.request_complete(request, now=received + datetime.timedelta(days=3))
    on, months_to = datetime.date(2026, 4, 20), datetime.date(2026, 3, 31)
    context = {
        **dashboard_context(dpo, on=on, months_to=months_to),
        "month": months_to.replace(day=1),
        "generated_by": "x",
    }
    page = render_to_string("staff/report.html", context)
    months = table_months(page)
    assert months == [f"2025-{n:02}" for n in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    for svg in charts_of(page):
        assert chart_months(svg) == months
    # The bar's tooltip names its month the same way.
    median = page.split('aria-labelledby="chart-median-days-title"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r"<title>([^<]+)</title>", median) == ["2025-12: 3.0"]
    assert "25-12" not in " ".join(chart_texts(median)).replace("2025-12", "")


def test_the_csv_export_lists_open_requests_without_personal_data(dpo, make_subject, elnat):
    subject = make_subject(first_name="Sigrid")
    request = file_request(subject, elnat, level=IdentityLevel.HIGH)
    response = verified_client(dpo).get(reverse("admin:staff_dashboard_csv"))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert request.reference in body
    assert "Sigrid" not in body and subject.personal_number.digits not in body


def test_the_monthly_report_is_a_pdf(dpo, make_subject, elnat):
    file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    response = verified_client(dpo).get(reverse("admin:staff_dashboard_pdf"), {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_malformed_report_month_is_a_400(dpo):
    response = verified_client(dpo).get(reverse("admin:staff_dashboard_pdf"), {"month": "March"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["http://example.org/x.png", "https://example.org/x.css", "ftp://h/x"]
)
def test_the_report_renderer_never_fetches_from_the_network(url):
    with pytest.raises(ValueError):
        local_only_fetcher(url)


def test_a_report_linking_a_network_image_still_renders_without_fetching_it(monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):  # pragma: no cover - called only on a regression
        raise AssertionError("network fetch attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    pdf = render_pdf('<html><body><img src="http://127.0.0.1:9/x.png"><p>x</p></body></html>')
    assert pdf.startswith(b"%PDF")


def test_the_report_for_a_past_month_counts_the_twelve_months_up_to_it(dpo):
    from rights_requests.staff.dashboard_views import dashboard_context

    context = dashboard_context(
        dpo, on=datetime.date(2026, 11, 24), months_to=datetime.date(2026, 3, 31)
    )
    assert context["months"][-1].month == datetime.date(2026, 3, 1)
    assert context["months"][0].month == datetime.date(2025, 4, 1)
    assert context["on"] == datetime.date(2026, 11, 24)


def test_the_monthly_figures_export_as_csv(dpo, make_subject, elnat):
    request = file_request(make_subject(), elnat, level=IdentityLevel.HIGH)
    workflow.request_complete(request)
    response = verified_client(dpo).get(
        reverse("admin:staff_dashboard_csv"), {"figures": "monthly"}
    )
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("month,decided,on_time,on_time_rate")
    assert len(lines) == 13
    assert lines[-1].split(",")[1:4] == ["1", "1", "1.000"]
