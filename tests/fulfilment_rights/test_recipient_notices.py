"""Art. 19: a notice per recipient of a changed category, which staff give and mark told.

The portal has no channel to the recipients, so it never records a recipient as told by
itself: fulfilment files a notice ("recipient.notice_due"), staff of the request's company
tell the recipient and mark the notice told with a note of how ("recipient.notice_given").
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from rights_requests import roles
from rights_requests.fulfilment import audit, rectification, restriction
from rights_requests.models import RecipientNotice, Right
from tests.staff.conftest import make_staff, verified_client

from .conftest import CIS_DB, events

pytestmark = CIS_DB
ELNAT = "kalmar-energi-elnat"
CLAIM = [{"data": "My e-mail address", "correct": "alice@new.example"}]
CHANGE = {"contact": {"email": "alice@new.example"}}


@pytest.fixture
def alice(customer):
    return customer([ELNAT], first_name="Alice")


@pytest.fixture
def request_(alice, file):
    return file(alice, ELNAT, Right.RECTIFICATION, changes=CLAIM)


@pytest.fixture
def staff(entity):
    return make_staff("eva", roles.CUSTOMER_SERVICE, entities=[entity(ELNAT)])


def notice_url(notice) -> str:
    return reverse("admin:rights_requests_recipientnotice_change", args=[notice.pk])


def test_a_notice_is_filed_once_even_when_the_change_runs_again(request_):
    first = audit.file_recipient_notices(request_, ["contact"], change="rectified")
    again = audit.file_recipient_notices(request_, ["contact"], change="rectified")

    assert first == again and first  # the names of the recipients to tell, both times
    assert request_.recipient_notices.count() == len(first)
    assert len(events(request_, "recipient.notice_due")) == len(first)


def test_no_changed_category_files_nothing(request_):
    assert audit.file_recipient_notices(request_, [], change="erased") == []
    assert not request_.recipient_notices.exists()


def test_a_restriction_files_notices_of_the_restricted_categories(alice, file):
    request = file(alice, ELNAT, Right.RESTRICTION, ground="accuracy")
    restriction.restrict(request.pk)

    notices = list(request.recipient_notices.all())
    assert notices and all(n.change == "restricted" and n.categories for n in notices)


def test_staff_see_the_recipients_to_tell_after_the_correction(request_, staff):
    client = verified_client(staff)
    url = reverse("admin:fulfilment_rectify", args=[request_.pk])

    response = client.post(
        url, {"field_0": "contact:email", "value_0": "alice@new.example", "apply": "1"}
    )

    shown = [str(m) for m in get_messages(response.wsgi_request)]
    # (In the staff admin's language: Swedish here.)
    assert any("Systemleverantörer" in m and "artikel 19" in m for m in shown), shown
    assert not any("har underrättats" in m or "notified" in m for m in shown)
    assert request_.recipient_notices.filter(given_at__isnull=True).exists()


def test_staff_mark_a_notice_told_with_a_note_and_the_trail_records_it(request_, staff):
    rectification.apply(request_.pk, CHANGE, by=None)
    notice = request_.recipient_notices.order_by("pk").first()
    client = verified_client(staff)

    listing = client.get(
        reverse("admin:rights_requests_recipientnotice_changelist") + "?state=open"
    )
    assert listing.status_code == 200 and request_.reference in listing.content.decode()

    refused = client.post(notice_url(notice), {"note": "", "mark_given": "on"})
    assert refused.status_code == 200  # a note is required
    notice.refresh_from_db()
    assert not notice.is_given

    page = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[request_.pk]))
    assert notice_url(notice) in page.content.decode()  # the request page links each notice

    done = client.post(
        notice_url(notice), {"note": "Told through the supplier portal", "mark_given": "on"}
    )
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.is_given and notice.given_by == staff
    assert notice.note == "Told through the supplier portal"
    [given] = events(request_, "recipient.notice_given")
    assert given.actor_id == staff.pk
    assert given.data["recipient"] == notice.recipient.name
    assert given.data["change"] == "rectified"
    assert "supplier portal" not in str(given.data)  # the note stays on the notice

    # Told is final: the notice is read-only now, and a second post changes nothing.
    client.post(notice_url(notice), {"note": "Changed later", "mark_given": "on"})
    notice.refresh_from_db()
    assert notice.note == "Told through the supplier portal"
    assert len(events(request_, "recipient.notice_given")) == 1
    assert not audit.give_notice(notice, by=staff, note="again")


def test_staff_of_another_company_do_not_see_the_notices(request_, landskrona):
    rectification.apply(request_.pk, CHANGE, by=None)
    notice = request_.recipient_notices.order_by("pk").first()
    outsider = verified_client(
        make_staff("lars", roles.CUSTOMER_SERVICE, organisations=[landskrona])
    )

    listing = outsider.get(reverse("admin:rights_requests_recipientnotice_changelist"))
    assert listing.status_code == 200 and request_.reference not in listing.content.decode()
    assert outsider.get(notice_url(notice)).status_code == 404
    outsider.post(notice_url(notice), {"note": "x", "mark_given": "on"})
    notice.refresh_from_db()
    assert not notice.is_given


def test_the_dashboard_counts_the_notices_still_to_give(request_, entity, kalmar):
    rectification.apply(request_.pk, CHANGE, by=None)
    due = RecipientNotice.objects.filter(request=request_, given_at__isnull=True).count()
    dpo = make_staff("dora", roles.DPO, organisations=[kalmar])

    page = verified_client(dpo).get(reverse("admin:staff_dashboard"))

    assert page.status_code == 200
    assert page.context["notices_due"] == due > 0
    assert "rights_requests/recipientnotice/?state=open" in page.content.decode()


def test_the_notices_name_the_categories_in_one_read(request_, staff, alice, file):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from datamap.models import DataCategory

    audit.file_recipient_notices(request_, ["contact"], change="rectified")
    contact = DataCategory.objects.get(code="contact").name
    client = verified_client(staff)
    url = reverse("admin:rights_requests_recipientnotice_changelist")

    with CaptureQueriesContext(connection) as one:
        listing = client.get(url).content.decode()
    assert contact in listing and ">contact<" not in listing  # the name, not the code
    page = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[request_.pk]))
    assert f"{contact};" in page.content.decode() and ": contact;" not in page.content.decode()

    for _n in range(3):  # more notices, of more categories: no query more
        more = file(alice, ELNAT, Right.ERASURE)
        audit.file_recipient_notices(more, ["contact", "addresses"], change="erased")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)
