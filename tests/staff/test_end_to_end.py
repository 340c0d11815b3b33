"""The issue's "done when": an Elnät staff member, signed in with a second factor, works a
request from received to completed through every action; a refusal waits for the DPO; the
DPO sees it all on the dashboard."""

import datetime

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.levels import IdentityLevel, VerificationMethod
from rights_requests.models import (
    ExtensionReason,
    Message,
    Outcome,
    RequestEvent,
    RightsRequest,
    Status,
)
from tests.conftest import make_personal_number

from .conftest import PASSWORD, verified_client
from .test_sign_in import current_code


def post(client, request, action, **data):
    response = client.post(
        reverse("admin:rights_requests_rightsrequest_act", args=[request.pk, action]), data
    )
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert errors == [], errors
    request.refresh_from_db()
    return request


def test_an_elnat_request_from_phone_call_to_completion_and_a_refusal_through_the_dpo(
    elnat_staff, dpo, requests_everywhere, elnat, django_capture_on_commit_callbacks
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("admin:login"),
        {
            "username": elnat_staff.username,
            "password": PASSWORD,
            "otp_token": current_code(TOTPDevice.objects.get(user=elnat_staff)),
        },
    )
    assert response.status_code == 302

    queue = client.get(reverse("admin:rights_requests_rightsrequest_changelist"), {"queue": "all"})
    assert [r.reference for r in queue.context["cl"].result_list] == [
        requests_everywhere["elnat"].reference
    ]

    received = timezone.localtime() - datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:rights_requests_rightsrequest_register"),
            {
                "channel": "phone",
                "received_at": received.strftime("%Y-%m-%dT%H:%M"),
                "personal_number": make_personal_number("19800202", "555").formatted(),
                "first_name": "Tove",
                "last_name": "Telefon",
                "email": "tove@example.org",
                "language": "sv",
                "entities": [elnat.pk],
                "rights": ["access", "erasure"],
                "details": "Called at 10:15",
            },
        )
    access, erasure = RightsRequest.objects.filter(channel="phone").order_by("pk")
    assert access.status == Status.AWAITING_IDENTITY and access.received_on == received.date()

    unassigned = client.get(
        reverse("admin:rights_requests_rightsrequest_changelist"), {"queue": "unassigned"}
    )
    assert access in unassigned.context["cl"].result_list
    assert (
        client.get(
            reverse("admin:rights_requests_rightsrequest_change", args=[access.pk])
        ).status_code
        == 200
    )

    post(client, access, "assign_me")
    mine = client.get(reverse("admin:rights_requests_rightsrequest_changelist"), {"queue": "mine"})
    assert list(mine.context["cl"].result_list) == [access]
    post(
        client,
        access,
        "verify",
        level=IdentityLevel.SUBSTANTIAL,
        method=VerificationMethod.LETTER,
        checked_by="Letter with code to the registered address",
    )
    assert access.status == Status.IN_PROGRESS
    post(client, access, "ask", question="Do you also want the camera footage?")
    assert access.status == Status.AWAITING_CUSTOMER
    post(client, access, "resume")
    post(client, access, "reply", template="in_progress", language="sv")
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            access,
            "extend",
            reason_code=ExtensionReason.SPREAD_OVER_SYSTEMS,
            reason="Your data is in the billing, metering and camera systems.",
        )
    assert access.extended_due_on is not None
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            access,
            "complete",
            outcome=Outcome.PARTIALLY_GRANTED,
            reasons="Camera footage older than 21 days no longer exists.",
        )
    assert (access.status, access.outcome) == (Status.COMPLETED, Outcome.PARTIALLY_GRANTED)
    assert Message.objects.filter(request=access).count() == 2
    kinds = set(RequestEvent.objects.filter(request=access).values_list("kind", flat=True))
    assert {
        "request.received",
        "request.assigned",
        "request.identity_verified",
        "request.customer_asked",
        "request.customer_replied",
        "message.sent",
        "request.extended",
        "request.completed",
        "subject.viewed",
    } <= kinds

    post(
        client,
        erasure,
        "verify",
        level=IdentityLevel.SUBSTANTIAL,
        method=VerificationMethod.LETTER,
        checked_by="same letter",
    )
    post(
        client,
        erasure,
        "propose_refusal",
        reasons="The meter data must be kept under the Electricity Act.",
    )
    assert erasure.status == Status.IN_PROGRESS

    dpo_client = verified_client(dpo)
    dashboard = dpo_client.get(reverse("admin:staff_dashboard"))
    assert erasure in dashboard.context["pending_refusals"]
    assert dashboard.context["open_total"] == 3  # erasure + the Elnät and Värme requests
    with django_capture_on_commit_callbacks(execute=True):
        post(dpo_client, erasure, "decide_refusal", decision="approve", note="Art. 17(3)(b).")
    assert erasure.status == Status.REFUSED
    dashboard = dpo_client.get(reverse("admin:staff_dashboard"))
    this_month = dashboard.context["months"][-1]
    assert (this_month.decided, this_month.refused, this_month.extended) == (2, 1, 1)
