"""Hostile input: every malformed, oversized or strange input gets a 4xx and a clear message.

Hypothesis generates input for the personal-number parser, the API's serializers and the
HTML forms; fixed cases cover malformed JSON, huge bodies, wrong content types and the
Unicode that breaks naive code (NUL, lone surrogates, direction overrides, combining marks).
"""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from datamap import pii
from rights_requests.api import serializers as api_serializers
from rights_requests.models import RightsRequest, Status
from tests.api.conftest import sign_in_customer
from tests.conftest import make_personal_number
from tests.rights_requests.factories import request_in

FIXTURES_OK = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
NASTY_TEXT = st.sampled_from(
    [
        "\x00",
        "Anna\x00",
        "\ud800",
        "a\udfffb",
        "\u202eanna",
        "A\u2066B\u2069",
        "Zoe\u0308",
        "Z\u0334\u0321a\u0336l\u0337g\u0335o\u0338",
        "\ufeffAnna",
        "\u200d",
        "\uffff",
        "🙂" * 30,
        "\t\n\r",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "%00",
        "a" * 5000,
    ]
)


def assert_clear_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert error["code"] and error["message"]


# --- The personal-number parser -----------------------------------------------------------


@given(st.text(max_size=60) | NASTY_TEXT)
@example("19811218-9876")
@example("١٩٨١١٢١٨٩٨٧٦")  # Arabic-Indic digits are not accepted as digits
@example("8112189876\x00")
def test_the_parser_either_returns_a_valid_number_or_refuses_clearly(text):
    try:
        number = pii.parse_personal_number(text)
    except pii.InvalidPersonalNumber as error:
        assert str(error)
        return
    assert len(number.digits) == 12 and number.digits.isascii() and number.digits.isdigit()
    assert pii.luhn_check_digit(number.digits[2:11]) == int(number.digits[11])
    assert pii.parse_personal_number(number.formatted()) == number


@given(
    birth=st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)),
    serial=st.integers(0, 999),
)
def test_every_valid_number_parses_in_each_written_form(birth, serial):
    number = make_personal_number(birth.strftime("%Y%m%d"), f"{serial:03d}")
    digits = number.digits

    for written in (digits, f"{digits[:8]}-{digits[8:]}", f" {digits[:8]} {digits[8:]} "):
        assert pii.parse_personal_number(written) == number


# --- The API's serializers ------------------------------------------------------------------------


@pytest.fixture
def client_context(elnat_system):
    return {"client": elnat_system}


@FIXTURES_OK
@given(
    data=st.dictionaries(
        st.sampled_from(sorted(api_serializers.RequestCreateSerializer().fields)), JSON | NASTY_TEXT
    )
)
def test_the_registration_serializer_never_crashes(client_context, data):
    serializer = api_serializers.RequestCreateSerializer(data=data, context=client_context)

    if not serializer.is_valid():
        assert serializer.errors and all(serializer.errors.values())


@FIXTURES_OK
@given(data=JSON | st.dictionaries(st.just("body"), JSON | NASTY_TEXT))
def test_the_message_serializer_never_crashes(db, data):
    serializer = api_serializers.MessageSerializer(data=data)

    if serializer.is_valid():
        body = serializer.validated_data["body"]
        assert body.strip() and "\x00" not in body


@FIXTURES_OK
@given(
    query=st.dictionaries(
        st.sampled_from(sorted(api_serializers.RequestFilterSerializer().fields)),
        st.text(max_size=30) | NASTY_TEXT,
    )
)
def test_the_list_filters_never_crash(elnat_api, query):
    response = elnat_api.get("/api/v1/requests/?" + _form_bytes(query).decode())

    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert_clear_4xx(response)


# --- Bodies the API refuses ------------------------------------------------------------------------

REGISTRATION = "/api/v1/requests/"


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[1, 2",
        b"NaN",
        b'{"first_name": Infinity}',
        b"\xff\xfe\x00{",
        b'{"first_name": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8: not UTF-8
        b"[" * 50_000 + b"]" * 50_000,
        b"null",
        b"[]",
        b'"text"',
        b"123",
        b"",
    ],
    ids=lambda b: repr(b[:20]),
)
def test_malformed_json_is_a_400_with_a_message(elnat_api, body):
    response = elnat_api.post(REGISTRATION, body, content_type="application/json")

    assert_clear_4xx(response)
    assert response.status_code == 400


def test_a_body_over_the_limit_is_a_413(elnat_api, settings):
    body = json.dumps({"details": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})

    response = elnat_api.post(REGISTRATION, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_body_larger_than_its_declared_length_is_read_no_further(elnat_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"details": "x" * 200})

    response = elnat_api.post(REGISTRATION, body, content_type="application/json")

    assert response.status_code == 413


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json-patch+json",
        "image/png",
    ],
)
def test_a_wrong_content_type_is_a_415(elnat_api, content_type):
    response = elnat_api.post(REGISTRATION, b'{"a": 1}', content_type=content_type)

    assert response.status_code == 415
    assert_clear_4xx(response)


def registration(**overrides):
    body = {
        "personal_number": make_personal_number("19900101", "555").formatted(),
        "first_name": "Sara",
        "last_name": "Svensson",
        "entities": ["kalmar-energi-elnat"],
        "rights": ["access"],
        "channel": "phone",
        "received_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
    }
    body.update(overrides)
    return body


@FIXTURES_OK
@given(
    field=st.sampled_from(
        ["first_name", "last_name", "city", "details", "phone", "email", "personal_number"]
    ),
    value=NASTY_TEXT,
)
def test_unicode_edge_cases_are_stored_or_refused_never_a_500(elnat_api, field, value):
    raw = json.dumps(registration(**{field: value}))  # lone surrogates stay \\ud800 escapes

    response = elnat_api.post(REGISTRATION, raw, content_type="application/json")

    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert_clear_4xx(response)
    else:
        stored = RightsRequest.objects.get(reference=response.json()["requests"][0]["reference"])
        assert "\x00" not in stored.subject.full_name


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Anna\x00", "control characters"),
        ("\ud800", "not valid Unicode"),
        ("\u202eanna", "writing direction"),
    ],
)
def test_names_that_would_mislead_or_break_storage_are_refused_with_the_reason(
    elnat_api, value, reason
):
    response = elnat_api.post(
        REGISTRATION,
        json.dumps(registration(first_name=value)),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert reason in response.json()["error"]["fields"]["first_name"][0]


def test_combining_marks_are_kept_and_normalised(elnat_api):
    response = elnat_api.post(
        REGISTRATION,
        json.dumps(
            registration(
                first_name="Zoe\u0308",
                personal_number=make_personal_number("19900101", "556").formatted(),
            )
        ),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    subject = RightsRequest.objects.get(
        reference=response.json()["requests"][0]["reference"]
    ).subject
    assert subject.first_name == "Zoë"


@pytest.mark.parametrize(
    "path", ["/api/v1/requests/%00/", "/api/v1/requests/?status=%00", "/api/v1/requests/%ED%A0%80/"]
)
def test_hostile_addresses_are_4xx(elnat_api, path):
    response = elnat_api.get(path)

    assert response.status_code in (400, 404)


# --- HTML forms ------------------------------------------------------------------------------------


@FIXTURES_OK
@given(personal_number=st.text(max_size=40) | NASTY_TEXT, email=st.text(max_size=40) | NASTY_TEXT)
def test_the_email_code_form_answers_every_input_without_a_500(db, personal_number, email):
    response = Client().post(
        "/identity/code/",
        _form_bytes({"personal_number": personal_number, "email": email}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (200, 302, 400, 403, 429)


@FIXTURES_OK
@given(body=st.text(max_size=200) | NASTY_TEXT)
def test_the_message_form_answers_every_input_without_a_500(customer_on_a_request, body):
    client, reference = customer_on_a_request
    response = client.post(
        f"/requests/{reference}/",
        _form_bytes({"body": body}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (200, 302, 400, 403, 429)


@FIXTURES_OK
@given(first_name=st.text(max_size=40) | NASTY_TEXT, other=st.text(max_size=40) | NASTY_TEXT)
def test_the_filing_form_answers_every_input_without_a_500(
    customer_on_a_request, first_name, other
):
    client, _reference = customer_on_a_request
    fields = {
        "rights": "access",
        "all_entities": "on",
        "access_scope": other,
        "access_scope_text": other,
        "first_name": first_name,
        "last_name": other,
        "contact_email": other,
    }
    response = client.post(
        "/org/kalmar-energi/file/",
        _form_bytes(fields),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in (200, 302, 400, 403, 429)


@pytest.mark.parametrize(
    "raw",
    [b"body=%ED%A0%80", b"body=%FF%FE", b"body=%00", b"body=" + b"%E2%80%AE" * 100, b"%%%=&&="],
)
def test_undecodable_form_bytes_are_answered_without_a_500(customer_on_a_request, raw):
    client, reference = customer_on_a_request

    response = client.post(
        f"/requests/{reference}/", raw, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code in (200, 302, 400)


@pytest.fixture
def customer_on_a_request(make_subject, elnat):
    subject = make_subject()
    request = request_in(Status.IN_PROGRESS, subject, elnat)
    return sign_in_customer(Client(), subject), request.reference


def _form_bytes(fields: dict) -> bytes:
    """URL-encode as a browser would, lone surrogates included (as their UTF-8 bytes)."""
    from urllib.parse import quote_plus

    def encode(text):
        return quote_plus(text.encode("utf-8", "surrogatepass"))

    return "&".join(f"{encode(k)}={encode(v)}" for k, v in fields.items()).encode()


# --- NUL anywhere: PostgreSQL cannot compare text with it, so it must never reach a query --------


@pytest.mark.parametrize(
    "path",
    [
        "/requests/%00/",
        "/requests/KE-2026-000001%00/",
        "/submissions/1/?x=%00",
        "/admin/rights_requests/rightsrequest/%00/change/",
        "/admin/rights_requests/rightsrequest/?q=%00",
        "/org/%00/",
        "/api/v1/me/requests/%00/",
    ],
)
def test_a_nul_in_an_address_is_a_400_everywhere(customer_on_a_request, path):
    client, _reference = customer_on_a_request

    response = client.get(path)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert "Content-Security-Policy" in response


def test_a_nul_in_a_submitted_form_is_a_400(customer_on_a_request):
    client, reference = customer_on_a_request

    response = client.post(
        f"/requests/{reference}/", b"body=hej%00", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
