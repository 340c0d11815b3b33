"""Roles are idempotent groups with permissions; the demo command prints a working code."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from rights_requests import roles

from .conftest import PASSWORD, make_staff


def test_ensure_roles_is_idempotent(db):
    first = roles.ensure_roles()
    perms = {
        name: set(group.permissions.values_list("codename", flat=True))
        for name, group in first.items()
    }
    roles.ensure_roles()
    assert Group.objects.filter(name__in=roles.ROLES).count() == 3
    assert perms == {
        g.name: set(g.permissions.values_list("codename", flat=True))
        for g in Group.objects.filter(name__in=roles.ROLES)
    }


def test_only_the_dpo_role_may_approve_refusals_and_see_the_dashboard(
    elnat_staff, dpo, administrator
):
    assert not elnat_staff.has_perm("rights_requests.approve_refusal")
    assert not elnat_staff.has_perm("rights_requests.view_dashboard")
    assert dpo.has_perm("rights_requests.approve_refusal") and dpo.has_perm(
        "rights_requests.view_dashboard"
    )
    assert administrator.has_perm("rights_requests.approve_refusal")
    assert administrator.has_perm("auth.change_user")


def test_an_organisation_membership_covers_every_company_of_it(dpo, kalmar):
    assert roles.entity_ids(dpo) == set(kalmar.legal_entities.values_list("pk", flat=True))


def test_administrators_and_superusers_see_all(administrator, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    assert roles.entity_ids(administrator) is None and roles.entity_ids(root) is None


def test_demo_totp_refuses_without_debug(elnat_staff, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp", elnat_staff.username)


def test_demo_totp_prints_a_code_that_signs_in(elnat, settings, capsys):
    settings.DEBUG = True
    user = make_staff("demo.elnat", roles.CUSTOMER_SERVICE, entities=[elnat], device=False)
    call_command("demo_totp", user.username)
    out = capsys.readouterr().out
    code = out.split("code now: ")[1].split()[0]
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": PASSWORD, "otp_token": code}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:rights_requests_rightsrequest_changelist")).status_code == 200


def test_migrate_leaves_the_three_roles_in_place(db):
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLES)}
    assert set(groups) == set(roles.ROLES)
    assert (
        groups[roles.ADMINISTRATOR].permissions.filter(content_type__app_label="otp_totp").exists()
    )
