"""Server-rendered SVG charts for the dashboard and the PDF report (no JavaScript, no CDN)."""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 200, 44, 28, 12


@dataclass(frozen=True)
class Chart:
    """A chart with its visible title: the page shows `title` in a <figcaption> whose id is
    `caption_id`, and the <svg> (`svg`) is labelled by it (aria-labelledby)."""

    caption_id: str
    title: str
    svg: SafeString


def bar_chart(
    labels: list[str],
    values: list[float | None],
    *,
    title: str,
    caption_id: str | None = None,
    maximum: float | None = None,
    percent: bool = False,
    colour: str = "#417690",
) -> SafeString:
    """A bar per label; a missing value (None) leaves a gap. Returns an <svg> element.

    With `caption_id` the chart is named by that element (the visible caption beside it)
    instead of by a title of its own, so that a screen reader reads the name once.
    """
    present = [v for v in values if v is not None]
    top = maximum if maximum is not None else (max(present) if present else 0) or 1
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(labels), 1)
    name = (
        f'aria-labelledby="{escape(caption_id)}">'
        if caption_id
        else f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    parts = [
        f'<svg class="staff-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" {name}',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" stroke="#888"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" font-size="10" text-anchor="end" fill="#444">'
        f"{escape(_fmt(top, percent))}</text>",
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" font-size="10" text-anchor="end" fill="#444">0</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + i * step + step * 0.15
        # Font size 9: a month in full (2025-12) is about 38 px wide in DejaVu Sans, so
        # twelve of them fit under the bars (42 px each) without touching.
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - 10}" font-size="9" text-anchor="middle" '
            f'fill="#444">{escape(label)}</text>'
        )
        if value is None:
            continue
        h = plot_h * min(value / top, 1) if top else 0
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(_fmt(value, percent))}</title></rect>'
        )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{TOP + plot_h - h - 3:.1f}" font-size="9" '
            f'text-anchor="middle" fill="#222">{escape(_fmt(value, percent))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def titled_bar_chart(chart_id: str, labels, values, *, title: str, **options) -> Chart:
    """A bar chart with a visible caption (`<chart_id>-title`) that names it."""
    caption_id = f"{chart_id}-title"
    return Chart(
        caption_id=caption_id,
        title=title,
        svg=bar_chart(labels, values, title=title, caption_id=caption_id, **options),
    )


def _fmt(value: float, percent: bool) -> str:
    """A value in the active language's form, as the tables beside the charts print it
    (21,5 in Swedish, 21.5 in English; a share as 83 % or 83%)."""
    if percent:
        # Translators: a share in the dashboard's charts, e.g. "83%"; Swedish puts a
        # (non-breaking) space before the sign.
        return _("%(percent)s%%") % {"percent": number_format(round(value * 100))}
    return number_format(value)
