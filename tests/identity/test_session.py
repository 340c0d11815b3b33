"""identity.session: signing a customer in and out, timeouts, the login_required decorator."""

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from datamap import pii
from identity.levels import IdentityLevel, VerificationMethod
from identity.session import (
    VerifiedIdentity,
    current_identity,
    current_personal_number,
    customer_login_required,
    login_customer,
    logout_customer,
    pop_timed_out,
    signed_in_until,
)
from tests.conftest import make_personal_number

pytestmark = pytest.mark.django_db


def identity_for(number, level=IdentityLevel.HIGH, method=VerificationMethod.EID):
    return VerifiedIdentity(
        personal_number_hash=pii.lookup_hash(number),
        masked_personal_number=number.masked(),
        level=level,
        method=method,
        given_name="Alice",
        family_name="Andersson",
    )


def fresh_request(path="/my/", session=None):
    request = RequestFactory().get(path)
    request.session = session or SessionStore()
    if session is None:
        request.session.create()
    return request


def test_it_signs_in_and_reads_back_the_identity_and_number():
    number = make_personal_number()
    request = fresh_request()
    login_customer(request, identity_for(number), number)

    request.session.save()
    again = fresh_request(session=SessionStore(request.session.session_key))
    assert current_identity(again).level == IdentityLevel.HIGH
    assert current_identity(again).masked_personal_number == number.masked()
    assert current_personal_number(again) == number


def test_the_session_keeps_the_personal_number_only_encrypted():
    number = make_personal_number()
    request = fresh_request()
    login_customer(request, identity_for(number), number)
    request.session.save()
    stored = SessionStore(request.session.session_key).load()
    assert number.digits not in repr(stored)


def test_signing_in_gives_the_session_a_new_key():
    number = make_personal_number()
    request = fresh_request()
    planted = request.session.session_key
    login_customer(request, identity_for(number), number)
    assert request.session.session_key != planted
    assert current_identity(fresh_request(session=SessionStore(planted))) is None


def test_it_refuses_an_identity_that_does_not_match_the_number():
    request = fresh_request()
    with pytest.raises(ValueError):
        login_customer(
            request, identity_for(make_personal_number()), make_personal_number(serial="123")
        )


def test_signing_out_forgets_the_customer_and_rotates_the_key():
    number = make_personal_number()
    request = fresh_request()
    login_customer(request, identity_for(number), number)
    key = request.session.session_key
    logout_customer(request)
    assert current_identity(request) is None
    assert current_personal_number(request) is None
    assert request.session.session_key != key


def _at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_the_session_ends_after_thirty_idle_minutes_exactly(monkeypatch, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    number = make_personal_number()
    _at(monkeypatch, start)
    request = fresh_request()
    login_customer(request, identity_for(number), number)
    request.session.save()
    key = request.session.session_key

    _at(monkeypatch, start + datetime.timedelta(minutes=29, seconds=59))
    assert current_identity(fresh_request(session=SessionStore(key))) is not None
    _at(monkeypatch, start + datetime.timedelta(minutes=30))
    assert current_identity(fresh_request(session=SessionStore(key))) is None


def test_activity_keeps_the_session_alive_until_the_absolute_cap(monkeypatch, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    settings.IDENTITY_SESSION_MAX_AGE = 2 * 60 * 60
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    number = make_personal_number()
    _at(monkeypatch, start)
    request = fresh_request()
    login_customer(request, identity_for(number), number)
    request.session.save()
    key = request.session.session_key

    for minutes in range(20, 120, 20):  # a request every 20 minutes
        _at(monkeypatch, start + datetime.timedelta(minutes=minutes))
        active = fresh_request(session=SessionStore(key))
        assert current_identity(active) is not None, minutes
        active.session.save()
    _at(monkeypatch, start + datetime.timedelta(hours=2))
    assert current_identity(fresh_request(session=SessionStore(key))) is None


def test_the_decorator_sends_strangers_to_sign_in_with_next():
    @customer_login_required
    def page(request):
        return HttpResponse(request.customer.masked_personal_number)

    response = page(fresh_request("/my/requests/?page=2"))
    assert response.status_code == 302
    assert response["Location"] == "/identity/?next=%2Fmy%2Frequests%2F%3Fpage%3D2"
    assert "no-store" in response["Cache-Control"]


def test_the_decorator_lets_a_signed_in_customer_through_uncached():
    @customer_login_required
    def page(request):
        return HttpResponse(request.customer.masked_personal_number)

    number = make_personal_number()
    request = fresh_request()
    login_customer(request, identity_for(number), number)
    response = page(request)
    assert response.content.decode() == number.masked()
    assert "no-store" in response["Cache-Control"]


def test_signing_out_leaves_nothing_of_the_customer_in_the_session():
    number = make_personal_number()
    request = fresh_request()
    login_customer(request, identity_for(number), number)
    request.session["draft"] = {"details": "my meter readings"}
    logout_customer(request)
    assert "draft" not in request.session


def test_a_timeout_ends_the_sign_in_but_keeps_the_visitors_draft(monkeypatch, settings):
    settings.IDENTITY_SESSION_MAX_AGE = 2 * 60 * 60
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    number = make_personal_number()
    _at(monkeypatch, start)
    request = fresh_request()
    login_customer(request, identity_for(number), number)
    request.session["draft"] = {"details": "my meter readings"}
    request.session.save()
    key = request.session.session_key
    for minutes in range(20, 120, 20):  # active all along
        _at(monkeypatch, start + datetime.timedelta(minutes=minutes))
        active = fresh_request(session=SessionStore(key))
        assert current_identity(active) is not None
        active.session.save()
    _at(monkeypatch, start + datetime.timedelta(hours=2))
    later = fresh_request(session=SessionStore(key))
    assert current_identity(later) is None
    assert current_personal_number(later) is None
    assert later.session["draft"] == {"details": "my meter readings"}
    assert later.session.session_key != key
    assert pop_timed_out(later) is True
    assert pop_timed_out(later) is False


def test_signed_in_until_is_the_absolute_cap(monkeypatch, settings):
    settings.IDENTITY_SESSION_MAX_AGE = 2 * 60 * 60
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    number = make_personal_number()
    _at(monkeypatch, start)
    request = fresh_request()
    assert signed_in_until(request) is None
    login_customer(request, identity_for(number), number)
    assert signed_in_until(request) == start + datetime.timedelta(hours=2)


def test_a_sign_in_keeps_what_the_visitor_had_started():
    number = make_personal_number()
    request = fresh_request()
    request.session["draft"] = {"details": "my meter readings"}
    login_customer(request, identity_for(number), number)
    assert request.session["draft"] == {"details": "my meter readings"}


def test_another_customer_signing_in_finds_nothing_of_the_previous_one():
    first, second = make_personal_number(serial="111"), make_personal_number(serial="222")
    request = fresh_request()
    login_customer(request, identity_for(first), first)
    request.session["draft"] = {"details": "the first customer's words"}
    login_customer(request, identity_for(second), second)
    assert "draft" not in request.session
    assert current_personal_number(request) == second


def test_the_same_customer_signing_in_again_keeps_the_draft():
    number = make_personal_number()
    request = fresh_request()
    login_customer(
        request,
        identity_for(number, level=IdentityLevel.LOW, method=VerificationMethod.EMAIL_CODE),
        number,
    )
    request.session["draft"] = {"details": "my words"}
    login_customer(request, identity_for(number), number)
    assert request.session["draft"] == {"details": "my words"}
    assert current_identity(request).level == IdentityLevel.HIGH


def test_a_new_sign_in_replaces_the_previous_customer():
    first, second = make_personal_number(serial="111"), make_personal_number(serial="222")
    request = fresh_request()
    login_customer(request, identity_for(first), first)
    login_customer(
        request,
        identity_for(second, level=IdentityLevel.LOW, method=VerificationMethod.EMAIL_CODE),
        second,
    )
    assert current_personal_number(request) == second
    assert current_identity(request).level == IdentityLevel.LOW


def test_the_identity_refuses_unknown_levels_and_naive_times():
    number = make_personal_number()
    with pytest.raises(ValueError):
        VerifiedIdentity(
            personal_number_hash=pii.lookup_hash(number),
            masked_personal_number=number.masked(),
            level="super",
            method=VerificationMethod.EID,
        )
    with pytest.raises(ValueError):
        VerifiedIdentity(
            personal_number_hash=pii.lookup_hash(number),
            masked_personal_number=number.masked(),
            level=IdentityLevel.HIGH,
            method=VerificationMethod.EID,
            verified_at=datetime.datetime(2026, 1, 1, 12, 0),  # noqa: DTZ001 - the point of the test
        )
