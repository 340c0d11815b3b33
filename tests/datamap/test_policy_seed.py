"""The data migration fills the record of processing from the two privacy policies."""

import pytest

from datamap.models import LegalEntity, Organisation, ProcessingActivity

pytestmark = pytest.mark.django_db


def test_the_four_controllers_with_their_org_numbers_and_deadline_caps():
    entities = {e.slug: e for e in LegalEntity.objects.all()}
    assert entities["kalmar-energi-forsaljning"].org_number == "556548-4317"
    assert entities["kalmar-energi-varme"].org_number == "556636-7792"
    assert entities["kalmar-energi-elnat"].org_number == "556182-7543"
    assert {e.address for s, e in entities.items() if s.startswith("kalmar")} == {
        "Box 822, 391 28 Kalmar"
    }
    assert [e.max_extended_months for e in entities.values() if e.slug.startswith("kalmar")] == [
        3,
        3,
        3,
    ]
    assert entities["landskrona-energi"].max_extended_months == 2
    assert all(e.base_months == 1 and not e.extend_over_eves for e in entities.values())


def test_the_organisations_contacts_and_promises():
    kalmar = Organisation.objects.get(code="KE")
    landskrona = Organisation.objects.get(code="LE")
    assert kalmar.extract_email == "registerutdrag@kalmarenergi.se"
    assert kalmar.dpo_email == "dataskyddsombud@kalmarenergi.se"
    assert "en månad" in kalmar.handling_time_sv
    assert landskrona.dpo_email == "dataskyddsombud@landskrona.se"
    assert landskrona.customer_service_phone == "0418-47 36 20"
    assert "1–2 månader" in landskrona.handling_time_sv
    assert landskrona.is_public_body and not kalmar.is_public_body


def test_camera_footage_is_kept_21_days():
    activity = ProcessingActivity.objects.get(
        legal_entity__slug="kalmar-energi-elnat", purpose__code="camera-surveillance"
    )
    assert "21 dagar" in activity.retention_sv
    assert activity.legal_basis.code == "legitimate-interests"


def test_accounting_data_cites_bokforingslagen():
    for entity in LegalEntity.objects.all():
        activity = ProcessingActivity.objects.get(
            legal_entity=entity, purpose__code="legal-obligations"
        )
        assert "7 kap. 2 §" in activity.retention_sv
        assert activity.categories.filter(code="invoices").exists()


def test_landskrona_public_records_and_spar_as_a_source():
    public = ProcessingActivity.objects.get(
        legal_entity__slug="landskrona-energi", purpose__code="public-records"
    )
    assert "arkivlagen" in public.retention_sv
    contract = ProcessingActivity.objects.get(
        legal_entity__slug="landskrona-energi", purpose__code="contract"
    )
    assert "SPAR" in contract.source_sv


def test_every_activity_has_categories_and_texts_in_both_languages():
    for activity in ProcessingActivity.objects.prefetch_related("categories"):
        assert activity.categories.exists(), activity
        assert (
            activity.retention_sv
            and activity.retention_en
            and activity.source_sv
            and activity.source_en
        )
