"""RetentionRule.period_text: the period in words of the customer's language."""

from django.utils import translation

from retention.models import RetentionRule


def test_the_period_reads_in_swedish_and_in_english():
    seven_years = RetentionRule(period_years=7)
    mixed = RetentionRule(period_years=1, period_months=6, period_days=1)
    camera = RetentionRule(period_days=21)
    with translation.override("sv"):
        assert seven_years.period_text() == "7 år"
        assert mixed.period_text() == "1 år 6 månader 1 dag"
        assert camera.period_text() == "21 dagar"
        assert RetentionRule().period_text() == "0 dagar"
    with translation.override("en"):
        assert seven_years.period_text() == "7 years"
        assert mixed.period_text() == "1 year 6 months 1 day"
        assert camera.period_text() == "21 days"
