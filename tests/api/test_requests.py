"""The request endpoints for systems: register what came by phone, list, read, scope."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from identity.levels import IdentityLevel
from rights_requests.models import RequestEvent, RightsRequest, Status
from tests.conftest import make_personal_number
from tests.rights_requests.factories import file_request, request_in

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NUMBER = make_personal_number("19811218", "123")


def phone_in(**overrides):
    body = {
        "personal_number": NUMBER.formatted(),
        "first_name": "Sara",
        "last_name": "Svensson",
        "email": "sara@example.org",
        "entities": ["kalmar-energi-elnat"],
        "rights": ["access"],
        "channel": "phone",
        "received_at": (timezone.now() - datetime.timedelta(hours=2)).isoformat(),
        "details": "Ringde kundtjänst och bad om registerutdrag.",
    }
    body.update(overrides)
    return body


def post_json(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def at_stockholm(monkeypatch):
    """Set the clock (timezone.now) to a Stockholm wall-clock instant."""

    def set_now(*args):
        instant = datetime.datetime(*args, tzinfo=STOCKHOLM)
        monkeypatch.setattr(timezone, "now", lambda: instant.astimezone(datetime.UTC))
        return instant

    return set_now


def test_a_system_registers_a_phoned_in_request_and_reads_its_deadline_back(
    elnat_api, at_stockholm
):
    at_stockholm(2026, 2, 2, 9, 0)
    received = datetime.datetime(2026, 1, 31, 10, 30, tzinfo=STOCKHOLM)

    created = post_json(elnat_api, "/api/v1/requests/", phone_in(received_at=received.isoformat()))

    assert created.status_code == 201, created.content
    [request] = created.json()["requests"]
    assert request["channel"] == "phone"
    assert request["legal_entity"] == "kalmar-energi-elnat"
    assert request["received_on"] == "2026-01-31"
    # One month from 31 January is 28 February, a Saturday: the next working day (R3-R5).
    assert request["due_on"] == "2026-03-02"
    assert request["deadline_on"] == "2026-03-02"
    assert created["Location"] == request["url"]

    read = elnat_api.get(request["url"])
    assert read.status_code == 200
    assert read.json()["reference"] == request["reference"]
    assert read.json()["deadline_on"] == "2026-03-02"
    assert read.json()["status"] == Status.AWAITING_IDENTITY


def test_registration_files_through_the_workflow_with_an_audit_entry_naming_the_client(
    elnat_api, elnat_system
):
    response = post_json(elnat_api, "/api/v1/requests/", phone_in(rights=["access", "erasure"]))

    assert response.status_code == 201, response.content
    references = [r["reference"] for r in response.json()["requests"]]
    assert len(references) == 2
    for reference in references:
        kinds = list(
            RequestEvent.objects.filter(request__reference=reference).values_list(
                "kind", "actor_label"
            )
        )
        assert ("request.received", "customer") in kinds or kinds[0][0] == "request.received"
        assert ("api.registered", "api:elnat-cis") in kinds


def test_identity_checked_at_a_visit_lets_the_request_start_at_once(elnat_api):
    response = post_json(
        elnat_api, "/api/v1/requests/", phone_in(channel="visit", identity_method="in_person")
    )

    assert response.status_code == 201, response.content
    [request] = response.json()["requests"]
    assert request["identity_level"] == IdentityLevel.SUBSTANTIAL
    assert request["status"] == Status.IN_PROGRESS


def test_the_personal_number_is_never_echoed_back(elnat_api):
    response = post_json(elnat_api, "/api/v1/requests/", phone_in())

    text = response.content.decode()
    assert NUMBER.digits not in text
    assert NUMBER.digits[2:] not in text
    assert NUMBER.digits[8:] not in text


def test_an_existing_person_is_found_by_personal_number_not_duplicated(elnat_api, make_subject):
    subject = make_subject(first_name="Petra")
    body = phone_in(personal_number=subject.personal_number.formatted(), first_name="Other")

    response = post_json(elnat_api, "/api/v1/requests/", body)

    assert response.status_code == 201
    assert (
        RightsRequest.objects.get(reference=response.json()["requests"][0]["reference"]).subject
        == subject
    )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("personal_number", "19811218-1234", "personal_number"),
        ("personal_number", "", "personal_number"),
        ("channel", "web", "channel"),
        ("channel", "api", "channel"),
        ("rights", [], "rights"),
        ("rights", ["everything"], "rights.0"),
        ("entities", ["landskrona-energi"], "entities"),
        ("entities", ["no-such-company"], "entities"),
        ("received_at", "2999-01-01T00:00:00+01:00", "received_at"),
        ("received_at", "yesterday", "received_at"),
        ("first_name", "A\u202eB", "first_name"),
        ("first_name", "Nul\x00l", "first_name"),
    ],
)
def test_invalid_registrations_are_refused_with_the_field_named(elnat_api, field, value, code):
    response = post_json(elnat_api, "/api/v1/requests/", phone_in(**{field: value}))

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert code in error["fields"], error
    assert all(error["fields"][code])
    assert not RightsRequest.objects.exists()


def test_companies_of_two_organisations_are_refused_in_one_submission(db, entities_for_all):
    client = entities_for_all
    body = phone_in(entities=["kalmar-energi-elnat", "landskrona-energi"])

    response = post_json(client, "/api/v1/requests/", body)

    assert response.status_code == 400
    assert "entities" in response.json()["error"]["fields"]


@pytest.fixture
def entities_for_all(db):
    from datamap.models import LegalEntity
    from identity.models import ApiClient
    from tests.api.conftest import system_client

    _client, token = ApiClient.issue(name="everything", legal_entities=LegalEntity.objects.all())
    return system_client(token)


def test_a_company_is_accepted_by_its_organisation_number(elnat_api, elnat):
    response = post_json(elnat_api, "/api/v1/requests/", phone_in(entities=[elnat.org_number]))

    assert response.status_code == 201, response.content


# --- Reading ------------------------------------------------------------------------------------


def test_a_system_sees_only_its_companies_requests(elnat_api, landskrona_api, make_subject, elnat):
    from datamap.models import LegalEntity

    mine = file_request(make_subject(), elnat)
    theirs = file_request(make_subject(), LegalEntity.objects.get(slug="landskrona-energi"))

    listed = elnat_api.get("/api/v1/requests/").json()
    assert [r["reference"] for r in listed["results"]] == [mine.reference]
    assert elnat_api.get(f"/api/v1/requests/{theirs.reference}/").status_code == 404
    assert landskrona_api.get(f"/api/v1/requests/{mine.reference}/").status_code == 404
    assert elnat_api.get(f"/api/v1/requests/{theirs.reference}/messages/").status_code == 404
    assert elnat_api.get(f"/api/v1/requests/{theirs.reference}/files/").status_code == 404


def test_the_list_filters_by_status_right_and_deadline(elnat_api, make_subject, elnat):
    waiting = file_request(make_subject(), elnat)
    working = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    erasure = file_request(make_subject(), elnat, right="erasure")

    def refs(query):
        response = elnat_api.get(f"/api/v1/requests/?{query}")
        assert response.status_code == 200, response.content
        return {r["reference"] for r in response.json()["results"]}

    assert refs("status=in_progress") == {working.reference}
    assert refs("right=erasure") == {erasure.reference}
    assert refs("entity=kalmar-energi-elnat") == {
        waiting.reference,
        working.reference,
        erasure.reference,
    }
    deadline = waiting.deadline_on
    assert refs(f"deadline_before={deadline - datetime.timedelta(days=1)}") == set()
    assert refs(f"deadline_after={deadline}&deadline_before={deadline}") == {
        waiting.reference,
        working.reference,
        erasure.reference,
    }
    assert refs("open=false") == set()


def test_a_bad_filter_is_a_400_naming_it(elnat_api):
    response = elnat_api.get("/api/v1/requests/?deadline_before=tomorrow&status=lost")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"deadline_before", "status"}


def test_the_list_is_paginated_in_a_constant_number_of_queries(
    elnat_api, make_subject, elnat, django_assert_max_num_queries
):
    for _ in range(3):
        file_request(make_subject(), elnat)
    elnat_api.get("/api/v1/requests/")  # warm the client's last_used_at write

    with django_assert_max_num_queries(5):
        first = elnat_api.get("/api/v1/requests/?page_size=2").json()
    for _ in range(6):
        file_request(make_subject(), elnat)
    with django_assert_max_num_queries(5):
        second = elnat_api.get("/api/v1/requests/?page_size=8").json()

    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    assert second["count"] == 9 and len(second["results"]) == 8


def test_an_unknown_page_is_a_404_in_the_error_shape(elnat_api):
    response = elnat_api.get("/api/v1/requests/?page=99")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
