"""Staff sign-in: a second factor is required, enrolment at first sign-in, and a lockout."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from datamap.models import StaffLoginFailure
from rights_requests import roles

from .conftest import PASSWORD, make_staff

LOGIN = "admin:login"
QUEUE = "admin:rights_requests_rightsrequest_changelist"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, username, password=PASSWORD, token=""):
    return client.post(
        reverse(LOGIN),
        {"username": username, "password": password, "otp_token": token, "next": reverse(QUEUE)},
    )


def test_a_password_session_without_second_factor_cannot_open_the_queue(elnat_staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(elnat_staff)
    response = client.get(reverse(QUEUE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))


def test_password_and_current_code_open_the_queue(elnat_staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    device = TOTPDevice.objects.get(user=elnat_staff)
    response = sign_in(client, elnat_staff.username, token=current_code(device))
    assert response.status_code == 302 and response["Location"] == reverse(QUEUE)
    assert client.get(reverse(QUEUE)).status_code == 200


def test_password_without_code_is_refused_when_a_device_exists(elnat_staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(client, elnat_staff.username)
    assert response.status_code == 200
    assert client.get(reverse(QUEUE)).status_code == 302


def test_a_wrong_code_is_refused_and_counts_as_a_failure(elnat_staff):
    response = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), elnat_staff.username, token="000000")
    assert response.status_code == 200
    assert StaffLoginFailure.objects.filter(username=elnat_staff.username, stage="otp").count() == 1


def test_a_recovery_code_works_once(elnat_staff):
    from rights_requests.staff.auth import new_recovery_codes

    code = new_recovery_codes(elnat_staff)[0]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert sign_in(client, elnat_staff.username, token=code).status_code == 302
    assert client.get(reverse(QUEUE)).status_code == 200
    assert not StaticToken.objects.filter(token=code).exists()
    assert (
        sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), elnat_staff.username, token=code).status_code
        == 200
    )


def test_first_sign_in_without_a_device_leads_to_enrolment_and_recovery_codes(elnat):
    user = make_staff("new.hire", roles.CUSTOMER_SERVICE, entities=[elnat], device=False)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(client, user.username)
    assert response.status_code == 302
    response = client.get(reverse(QUEUE))
    assert response.status_code == 302 and response["Location"] == reverse("admin:staff_enrol")
    page = client.get(reverse("admin:staff_enrol"))
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(reverse("admin:staff_enrol"), {"token": "000000"}).status_code == 200
    assert client.get(reverse(QUEUE)).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # django-otp throttles the next try for a second after a miss
    done = client.post(reverse("admin:staff_enrol"), {"token": current_code(device)})
    assert done.status_code == 200
    assert len(done.context["recovery_codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse(QUEUE)).status_code == 200


def test_enrolment_is_closed_once_a_device_is_confirmed(elnat_staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(elnat_staff)
    response = client.get(reverse("admin:staff_enrol"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=elnat_staff, confirmed=False).exists()


def test_enrolment_needs_a_signed_in_staff_member(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("admin:staff_enrol"))
    assert response.status_code == 302 and reverse(LOGIN) in response["Location"]


def test_five_failed_passwords_lock_the_username_even_with_the_right_password(elnat_staff):
    device = TOTPDevice.objects.get(user=elnat_staff)
    for _attempt in range(5):
        assert (
            sign_in(
                Client(HTTP_ACCEPT_LANGUAGE="en"), elnat_staff.username, password="wrong password"
            ).status_code
            == 200
        )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(client, elnat_staff.username, token=current_code(device))
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get(reverse(QUEUE)).status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(elnat_staff):
    long_ago = timezone.now() - datetime.timedelta(minutes=16)
    StaffLoginFailure.objects.bulk_create(
        StaffLoginFailure(username=elnat_staff.username, at=long_ago, stage="password")
        for _i in range(5)
    )
    device = TOTPDevice.objects.get(user=elnat_staff)
    assert (
        sign_in(
            Client(HTTP_ACCEPT_LANGUAGE="en"), elnat_staff.username, token=current_code(device)
        ).status_code
        == 302
    )


def test_four_failures_do_not_lock(elnat_staff):
    for _attempt in range(4):
        sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), elnat_staff.username, password="wrong password")
    device = TOTPDevice.objects.get(user=elnat_staff)
    assert (
        sign_in(
            Client(HTTP_ACCEPT_LANGUAGE="en"), elnat_staff.username, token=current_code(device)
        ).status_code
        == 302
    )
    assert not StaffLoginFailure.objects.filter(username=elnat_staff.username).exists()


def test_the_lockout_counts_per_username_case_insensitively(elnat_staff, varme_staff):
    for _attempt in range(5):
        sign_in(
            Client(HTTP_ACCEPT_LANGUAGE="en"),
            elnat_staff.username.upper(),
            password="wrong password",
        )
    device = TOTPDevice.objects.get(user=varme_staff)
    assert (
        sign_in(
            Client(HTTP_ACCEPT_LANGUAGE="en"), varme_staff.username, token=current_code(device)
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    "path", ["admin:staff_dashboard", "admin:rights_requests_rightsrequest_register"]
)
def test_custom_staff_pages_also_require_the_second_factor(dpo, path):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(dpo)
    assert client.get(reverse(path)).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(elnat_staff):
    from rights_requests.staff.auth import new_recovery_codes

    from .conftest import verified_client

    old = new_recovery_codes(elnat_staff)
    client = verified_client(elnat_staff)
    assert client.get(reverse("admin:staff_recovery_codes")).status_code == 200
    response = client.post(reverse("admin:staff_recovery_codes"))
    fresh = response.context["recovery_codes"]
    assert len(fresh) == 10
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert StaticToken.objects.filter(token__in=fresh).count() == 10


def test_old_failures_are_pruned(elnat_staff):
    StaffLoginFailure.objects.create(
        username="ghost", at=timezone.now() - datetime.timedelta(days=2), stage="password"
    )
    sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), elnat_staff.username, password="wrong password")
    assert not StaffLoginFailure.objects.filter(username="ghost").exists()


def test_the_demo_hint_shows_only_in_debug(db, settings):
    settings.DEBUG = False
    assert "demo_totp" not in Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse(LOGIN)).content.decode()
    settings.DEBUG = True
    assert "demo_totp" in Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse(LOGIN)).content.decode()
