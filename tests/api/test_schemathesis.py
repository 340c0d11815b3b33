"""Property-based tests of the API against its own OpenAPI schema (schemathesis).

Every operation of /api/schema/ is called with generated valid and invalid input,
authenticated as a system client of Kalmar Energi Elnät: no answer may be a 5xx, and
every answer must match the schema (status documented, content type, body shape).
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from identity.models import ApiClient
from rights_requests.models import Status
from tests.rights_requests.factories import request_in

application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def elnat_token(db, elnat):
    _client, token = ApiClient.issue(name="schemathesis", legal_entities=[elnat])
    return token


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Do what Django's test client does: the WSGI app must not close the test's connection.

    The handler closes "old" connections when a request starts and finishes; inside the
    test's transaction that would end it (PostgreSQL: "the connection is closed").
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def throttles_off(settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {scope: "100000/min" for scope in rates}
    yield
    SimpleRateThrottle.THROTTLE_RATES = original


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_conforms_to_its_schema_and_never_answers_5xx(case, elnat_token, throttles_off):
    # positive_data_acceptance is left out: a schema-valid string is rarely a personal
    # number with a right check digit, a company this client serves or an existing
    # reference, so 400/404 for it is correct (real objects are checked below).
    case.call_and_validate(
        headers={"Authorization": f"Bearer {elnat_token}"},
        excluded_checks=[positive_data_acceptance],
    )


def test_real_objects_conform_to_the_schema(db, elnat, make_subject, elnat_token, throttles_off):
    """The generated cases mostly hit 404s; real objects check the 200 bodies too."""
    request = request_in(Status.AWAITING_CUSTOMER, make_subject(), elnat)
    headers = {"Authorization": f"Bearer {elnat_token}"}
    for path, method, parameters in [
        ("/api/v1/requests/", "GET", {}),
        ("/api/v1/requests/{reference}/", "GET", {"reference": request.reference}),
        ("/api/v1/requests/{reference}/messages/", "GET", {"reference": request.reference}),
        ("/api/v1/requests/{reference}/files/", "GET", {"reference": request.reference}),
        ("/api/v1/suppressions/", "GET", {}),
    ]:
        case = schema[path][method].Case(path_parameters=parameters)
        response = case.call_and_validate(headers=headers)
        assert response.status_code == 200, (path, response.text)
