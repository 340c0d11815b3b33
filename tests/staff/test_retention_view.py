"""The DPO reads, for a customer, what an erasure would remove now and what is kept, until when and why."""

import pytest
from django.urls import reverse

from datamap.models import DataCategory
from rights_requests.models import RequestEvent
from tests.rights_requests.factories import file_request

from .conftest import verified_client

pytestmark = pytest.mark.django_db


def test_the_subject_page_shows_the_erasure_assessment_per_company(dpo, make_subject, elnat):
    subject = make_subject()
    request = file_request(subject, elnat)
    client = verified_client(dpo)
    response = client.get(reverse("admin:rights_requests_datasubject_change", args=[subject.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "what an erasure would remove" in page
    for entity, decisions in response.context["retention_assessment"]:
        assert entity.name in page
        assert decisions, entity
    kept = [
        decision
        for _entity, decisions in response.context["retention_assessment"]
        for _name, decision in decisions
        if not decision.erasable
    ]
    assert any("Bokföringslagen" in decision.rule for decision in kept)
    # Each category under its name, not its code.
    names = [
        name for _e, decisions in response.context["retention_assessment"] for name, _d in decisions
    ]
    codes = set(DataCategory.objects.values_list("code", flat=True))
    assert names and not codes & set(names)
    assert all(f"<td>{name}</td>" in page for name in names)
    # The view of the customer's data is recorded in the request's trail.
    assert RequestEvent.objects.filter(request=request, kind="subject.viewed").exists()


def test_staff_see_only_their_companies(elnat_staff, make_subject, elnat):
    subject = make_subject()
    file_request(subject, elnat)
    client = verified_client(elnat_staff)
    response = client.get(reverse("admin:rights_requests_datasubject_change", args=[subject.pk]))
    assert response.status_code == 200
    entities = [entity for entity, _decisions in response.context["retention_assessment"]]
    assert entities == [elnat]
