"""seed_demo: demo staff, a dozen customers with CIS data, requests in every state; idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connections

from rights_requests import roles
from rights_requests.models import DataSubject, RequestEvent, RightsRequest, Status

pytestmark = pytest.mark.django_db(databases=["default", "cis"])


def seed(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--history", "12", "--years", "1", verbosity=0)


def test_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)


def test_seed_demo_creates_everything_once(settings):
    seed(settings)
    requests = RightsRequest.objects.count()
    subjects = DataSubject.objects.count()
    events = RequestEvent.objects.count()
    with connections["cis"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers")
        customers = cursor.fetchone()[0]

    # The dozen named customers, plus the history's.
    assert subjects >= 12
    assert customers >= 12
    statuses = set(RightsRequest.objects.values_list("status", flat=True))
    assert {
        Status.IN_PROGRESS,
        Status.AWAITING_IDENTITY,
        Status.AWAITING_CUSTOMER,
        Status.COMPLETED,
    } <= statuses
    assert RightsRequest.objects.filter(extended_due_on__isnull=False).exists()

    User = get_user_model()
    dpo = User.objects.get(username="dpo.kalmar")
    assert roles.is_dpo(dpo)
    clerk = User.objects.get(username="kundtjanst.elnat")
    assert roles.entity_ids(clerk) == frozenset(
        clerk.staff_memberships.values_list("legal_entity_id", flat=True)
    )

    seed(settings)  # again: nothing doubled
    assert RightsRequest.objects.count() == requests
    assert DataSubject.objects.count() == subjects
    assert RequestEvent.objects.count() == events
    with connections["cis"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers")
        assert cursor.fetchone()[0] == customers


def test_the_open_rectification_shows_its_claim_on_the_staff_page(settings):
    """The demo's claim is stored as the portal's form stores it, so staff see it."""
    from rights_requests.fulfilment import rectification
    from rights_requests.models import Right

    seed(settings)
    [open_rectification] = RightsRequest.objects.filter(
        right=Right.RECTIFICATION, status=Status.IN_PROGRESS
    )
    assert rectification.claims(open_rectification) == [
        {"data": "Adress", "correct": "Östergatan 4, 261 31 Landskrona"}
    ]
