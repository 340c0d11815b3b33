"""A customer's session times out, for the API as for the pages."""

from django.conf import settings
from django.test import Client

from identity.session import SESSION_KEY
from tests.api.conftest import sign_in_customer
from tests.rights_requests.factories import file_request


def age_session(client: Client, *, idle: float = 0, since_sign_in: float = 0) -> None:
    session = client.session
    data = session[SESSION_KEY]
    data["seen"] -= idle
    data["started"] -= since_sign_in
    session[SESSION_KEY] = data
    session.save()


def test_an_idle_customer_is_signed_out_of_the_api(make_subject, elnat):
    subject = make_subject()
    file_request(subject, elnat)
    client = sign_in_customer(Client(), subject)
    assert client.get("/api/v1/me/requests/").status_code == 200

    age_session(client, idle=settings.SESSION_COOKIE_AGE + 1)

    assert client.get("/api/v1/me/requests/").status_code == 401


def test_an_active_customer_is_signed_out_after_the_absolute_cap(make_subject, elnat):
    subject = make_subject()
    client = sign_in_customer(Client(), subject)

    age_session(client, since_sign_in=settings.IDENTITY_SESSION_MAX_AGE - 5)
    assert client.get("/api/v1/me/requests/").status_code == 200
    age_session(client, since_sign_in=10)

    assert client.get("/api/v1/me/requests/").status_code == 401


def test_a_customer_just_inside_the_idle_limit_stays_signed_in(make_subject):
    client = sign_in_customer(Client(), make_subject())

    age_session(client, idle=settings.SESSION_COOKIE_AGE - 5)

    assert client.get("/api/v1/me/requests/").status_code == 200
