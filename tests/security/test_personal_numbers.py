"""Personal numbers never leave through the API, and never reach a log in clear."""

import io
import json
import logging

import pytest

from tests.api.conftest import sign_in_customer
from tests.conftest import make_personal_number
from tests.rights_requests.factories import file_request

NUMBER = make_personal_number("19811218", "345")


def shapes(number) -> list[str]:
    """Every way the number could be written out: 12 or 10 digits, with or without '-'."""
    digits = number.digits
    return [digits, digits[2:], f"{digits[:8]}-{digits[8:]}", f"{digits[2:8]}-{digits[8:]}"]


@pytest.fixture
def console_log():
    """What the configured console handler (with its masking filter) writes."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_the_console_handler_carries_the_masking_filter():
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")

    assert any(type(f).__name__ == "PersonalNumberLogFilter" for f in handler.filters)


def test_a_personal_number_in_an_api_address_is_masked_in_the_log(elnat_api, console_log):
    response = elnat_api.get(f"/api/v1/requests/{NUMBER.formatted()}/")

    assert response.status_code == 404
    written = console_log.getvalue()
    assert "Not Found" in written
    assert "19811218-****" in written
    for shape in shapes(NUMBER):
        assert shape not in written
        assert shape not in response.content.decode()


def test_a_registration_logs_no_personal_number(elnat_api, console_log, caplog):
    body = {
        "personal_number": NUMBER.formatted(),
        "first_name": "Sara",
        "last_name": "Svensson",
        "entities": ["kalmar-energi-elnat"],
        "rights": ["access"],
        "channel": "phone",
        "received_at": "2026-01-01T10:00:00+01:00",
    }
    with caplog.at_level(logging.DEBUG):
        response = elnat_api.post(
            "/api/v1/requests/", json.dumps(body), content_type="application/json"
        )

    assert response.status_code in (201, 400)
    everything = console_log.getvalue() + caplog.text + response.content.decode()
    for shape in shapes(NUMBER):
        assert shape not in everything


@pytest.mark.parametrize(
    "field", ["entities", "rights", "channel", "language", "identity_method", "email"]
)
def test_a_personal_number_in_the_wrong_field_is_not_echoed_in_the_error(elnat_api, field):
    value = [NUMBER.formatted()] if field in ("entities", "rights") else NUMBER.formatted()
    body = {"personal_number": "x", field: value}

    response = elnat_api.post(
        "/api/v1/requests/", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    for shape in shapes(NUMBER):
        assert shape not in response.content.decode()


def test_no_api_answer_carries_a_full_personal_number(world, persona_clients):
    """Every API operation, as the personas that may use it, over the world's objects."""
    clients = persona_clients()
    a = world.request_a
    system_paths = [
        "/api/v1/requests/",
        f"/api/v1/requests/{a.reference}/",
        f"/api/v1/requests/{a.reference}/messages/",
        f"/api/v1/requests/{a.reference}/files/",
        f"/api/v1/requests/{a.reference}/files/{world.artifact_a.pk}/",
        "/api/v1/suppressions/",
    ]
    answers = [clients["system"].get(path) for path in system_paths]
    answers.append(
        clients["system"].post(
            "/api/v1/consents/lookup/",
            json.dumps({"personal_number": world.subject_a.personal_number.formatted()}),
            content_type="application/json",
        )
    )
    answers += [
        clients["customer_a"].get(p)
        for p in ["/api/v1/me/requests/", f"/api/v1/me/requests/{a.reference}/"]
    ]

    assert all(answer.status_code == 200 for answer in answers)
    text = "".join(answer.content.decode() for answer in answers)
    for subject in (world.subject_a, world.subject_b, world.subject_l):
        for shape in shapes(subject.personal_number):
            assert shape not in text


def test_a_customer_session_holds_the_number_only_encrypted(make_subject, elnat):
    from django.test import Client

    subject = make_subject()
    file_request(subject, elnat)
    client = sign_in_customer(Client(), subject)
    stored = json.dumps(client.session._get_session(), default=str)

    for shape in shapes(subject.personal_number):
        assert shape not in stored
