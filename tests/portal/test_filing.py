"""Filing: rights x companies fan out, details per right, sign-in first, errors, abuse."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from identity.levels import IdentityLevel
from rights_requests.models import Artifact, DataSubject, RightsRequest, Status, Submission
from tests.conftest import make_personal_number

from .conftest import sign_in

pytestmark = pytest.mark.django_db

KALMAR_FILE = "/org/kalmar-energi/file/"
LANDSKRONA_FILE = "/org/landskrona-energi/file/"


def form(**overrides):
    data = {
        "rights": ["access"],
        "entities": [],
        "access_scope": "all",
        "access_delivery": "download",
        "erasure_scope": "all",
        "portability_scope": "all",
        "capacity": "self",
        "first_name": "Alice",
        "last_name": "Andersson",
        "contact_email": "alice@example.org",
    }
    data.update(overrides)
    return data


def entity_ids(*slugs):
    from datamap.models import LegalEntity

    return [LegalEntity.objects.get(slug=slug).pk for slug in slugs]


def test_the_form_sends_a_stranger_to_sign_in_first_and_back(client):
    response = client.get(KALMAR_FILE)
    assert response.status_code == 302
    assert response["Location"] == "/identity/?next=%2Forg%2Fkalmar-energi%2Ffile%2F"


def test_the_english_form_sends_a_stranger_to_the_english_sign_in(client):
    response = client.get("/en" + KALMAR_FILE)
    assert response["Location"].startswith("/en/identity/?next=%2Fen%2Forg%2Fkalmar-energi")


def test_it_shows_the_form_with_the_organisations_companies(alice_client):
    page = alice_client.get(KALMAR_FILE).content.decode()
    assert "Kalmar Energi Elnät AB" in page
    assert "Kalmar Energi Värme AB" in page
    assert "Landskrona Energi AB" not in page
    assert 'name="website"' in page  # the honeypot


def test_one_submission_fans_out_per_company_and_right_each_with_reference_and_deadline(
    alice_client, alice
):
    response = alice_client.post(
        KALMAR_FILE,
        form(
            rights=["access", "erasure"],
            entities=entity_ids("kalmar-energi-elnat", "kalmar-energi-varme"),
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    submission = Submission.objects.get()
    assert response["Location"] == f"/submissions/{submission.pk}/"
    requests = list(submission.requests.order_by("pk"))
    assert len(requests) == 4
    assert {(r.legal_entity.slug, r.right) for r in requests} == {
        ("kalmar-energi-elnat", "access"),
        ("kalmar-energi-elnat", "erasure"),
        ("kalmar-energi-varme", "access"),
        ("kalmar-energi-varme", "erasure"),
    }
    assert len({r.reference for r in requests}) == 4
    assert all(r.reference.startswith("KE-") for r in requests)
    assert all(r.subject_id == alice.pk and r.channel == "web" for r in requests)
    assert all(r.status == Status.IN_PROGRESS for r in requests)  # eID is enough for both
    assert all(r.due_on and r.deadline_on for r in requests)
    assert submission.contact_email == "alice@example.org"
    assert submission.language == "sv"


def test_all_companies_of_the_group_means_every_entity(alice_client):
    alice_client.post(KALMAR_FILE, form(all_entities="on"))
    assert RightsRequest.objects.count() == 3


def test_landskrona_has_its_one_company_chosen_already(alice_client):
    page = alice_client.get(LANDSKRONA_FILE).content.decode()
    assert "checked" in page.split("Landskrona Energi AB")[0].rsplit("<input", 1)[1]
    response = alice_client.post(
        LANDSKRONA_FILE, form(rights=["erasure"], entities=entity_ids("landskrona-energi"))
    )
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    assert request.reference.startswith("LE-")
    assert request.details == {"scope": "all"}


def test_details_of_each_right_are_stored_on_its_request(alice_client):
    from datamap.models import DataCategory

    invoices = DataCategory.objects.get(code="invoices")
    readings = DataCategory.objects.get(code="meter-readings")
    response = alice_client.post(
        KALMAR_FILE,
        form(
            rights=[
                "access",
                "rectification",
                "erasure",
                "restriction",
                "objection",
                "portability",
            ],
            entities=entity_ids("kalmar-energi-elnat"),
            access_scope="some",
            access_scope_text="Meter readings for 2025",
            access_delivery="post",
            rectification_data_1="My address",
            rectification_value_1="Storgatan 1, 392 30 Kalmar",
            erasure_scope="some",
            erasure_categories=[invoices.pk],
            erasure_reason="No longer a customer",
            restriction_ground="a",
            objection_kind="other",
            objection_processing="Customer surveys",
            objection_reasons="I do not want to be called",
            portability_scope="some",
            portability_categories=[readings.pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()
    details = {r.right: r.details for r in RightsRequest.objects.all()}
    assert details["access"] == {
        "scope": "some",
        "scope_text": "Meter readings for 2025",
        "delivery": "post",
    }
    assert details["rectification"] == {
        "changes": [{"data": "My address", "correct": "Storgatan 1, 392 30 Kalmar"}]
    }
    assert details["erasure"] == {
        "scope": "some",
        "categories": ["invoices"],
        "reason": "No longer a customer",
    }
    assert details["restriction"] == {"ground": "a"}
    assert details["objection"] == {
        "direct_marketing": False,
        "processing": "Customer surveys",
        "reasons": "I do not want to be called",
    }
    assert details["portability"] == {"scope": "some", "categories": ["meter-readings"]}


def test_an_objection_to_direct_marketing_is_marked_so(alice_client):
    alice_client.post(
        KALMAR_FILE,
        form(
            rights=["objection"],
            objection_kind="direct_marketing",
            entities=entity_ids("kalmar-energi-forsaljning"),
        ),
    )
    request = RightsRequest.objects.get()
    assert request.details == {"direct_marketing": True}
    assert request.identity_required == IdentityLevel.LOW


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rights": []}, "rights", "Choose at least one thing you want to do."),
        ({"entities": []}, "entities", "Choose at least one company, or all companies."),
        (
            {"rights": ["rectification"]},
            "rectification_data_1",
            "Write which data are wrong and what is correct.",
        ),
        (
            {"rights": ["rectification"], "rectification_data_1": "Address"},
            "rectification_value_1",
            "Write what is correct.",
        ),
        (
            {"rights": ["erasure"], "erasure_scope": "some"},
            "erasure_categories",
            "Choose the kinds of data to erase.",
        ),
        (
            {"rights": ["restriction"]},
            "restriction_ground",
            "Choose why the processing should be restricted.",
        ),
        ({"rights": ["objection"]}, "objection_kind", "Choose what you object to."),
        (
            {"rights": ["objection"], "objection_kind": "other"},
            "objection_reasons",
            "Tell us why you object.",
        ),
        (
            {"rights": ["access"], "access_scope": "some"},
            "access_scope_text",
            "Describe which data you want.",
        ),
        (
            {"contact_email": "not-an-address"},
            "contact_email",
            "Enter an e-mail address like name@example.se.",
        ),
        (
            {"capacity": "guardian"},
            "represented_personal_number",
            "Enter the personal identity number of the person you act for.",
        ),
        ({"capacity": "guardian"}, "proof", "Upload the proof that you may act for them."),
    ],
)
def test_bad_input_gives_a_clear_error_linked_from_the_summary(
    alice_client, overrides, field, message
):
    data = form(entities=entity_ids("kalmar-energi-elnat"))
    data.update(overrides)
    response = alice_client.post("/en" + KALMAR_FILE, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'id="error-summary"' in page
    bound = response.context["form"][field]
    field_id = f"{bound.auto_id}_0" if bound.use_fieldset else bound.id_for_label
    assert f'href="#{field_id}"' in page
    assert f'id="{field_id}"' in page
    assert "<title>Error:" in page
    assert RightsRequest.objects.count() == 0


def test_errors_are_in_swedish_by_default_and_english_under_en(alice_client):
    page = alice_client.post("/en" + KALMAR_FILE, form(rights=[])).content.decode()
    assert "Choose at least one thing you want to do." in page
    assert 'lang="en"' in page


def test_a_low_level_sign_in_files_but_the_request_waits_for_identity(client):
    number = make_personal_number("19900101", "123")
    sign_in(client, number, level=IdentityLevel.LOW, email="new@example.org")
    response = client.post(
        KALMAR_FILE,
        form(
            rights=["erasure"],
            entities=entity_ids("kalmar-energi-elnat"),
            contact_email="new@example.org",
        ),
    )
    assert response.status_code == 302
    request = RightsRequest.objects.get()
    assert request.status == Status.AWAITING_IDENTITY
    page = client.get(response["Location"]).content.decode()
    assert "folkbokföringsadress" in page  # the ways forward: eID, letter, visit
    assert "BankID" in page


def test_a_new_person_gets_a_subject_without_an_email_on_record(client):
    number = make_personal_number("19900101", "124")
    sign_in(client, number, level=IdentityLevel.LOW, email="new@example.org")
    client.post(
        KALMAR_FILE,
        form(
            first_name="Nils",
            last_name="Nyberg",
            entities=entity_ids("kalmar-energi-elnat"),
            contact_email="new@example.org",
        ),
    )
    subject = DataSubject.objects.get_by_personal_number(number)
    assert (subject.first_name, subject.last_name) == ("Nils", "Nyberg")
    # A typed address must not become a contact point on record (it would raise the
    # level the next e-mail code gives).
    assert subject.email == ""


def test_an_existing_subject_is_not_changed_by_the_form(alice_client, alice):
    alice_client.post(
        KALMAR_FILE,
        form(
            first_name="Mallory",
            contact_email="other@example.org",
            entities=entity_ids("kalmar-energi-elnat"),
        ),
    )
    alice.refresh_from_db()
    assert (alice.first_name, alice.email) == ("Alice", "alice@example.org")
    assert Submission.objects.get().contact_email == "other@example.org"


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png_bytes()


def test_a_guardian_files_for_a_child_with_proof_and_staff_check_it(
    alice_client, alice, private_media
):
    child = make_personal_number("20150505", "222")
    data = form(
        capacity="guardian",
        entities=entity_ids("kalmar-energi-elnat"),
        represented_personal_number=child.formatted(),
        represented_first_name="Kim",
        represented_last_name="Andersson",
        proof=SimpleUploadedFile("beslut.png", PNG, content_type="image/png"),
    )
    response = alice_client.post(KALMAR_FILE, data)
    assert response.status_code == 302, response.content.decode()
    request = RightsRequest.objects.get()
    assert (
        request.subject.personal_number_hash
        == DataSubject.objects.get_by_personal_number(child).personal_number_hash
    )
    assert request.subject_id != alice.pk
    assert request.status == Status.AWAITING_IDENTITY  # staff check the authority first (R24)
    assert request.submission.capacity == "guardian"
    assert request.submission.representative_name == "Alice Andersson"
    assert request.details["representative"]["capacity"] == "guardian"
    proof = Artifact.objects.get(request=request)
    assert proof.kind == Artifact.Kind.PROOF and proof.content_type == "image/png"
    assert proof.file.read() == PNG
    # The guardian follows the request under My requests, but does not get the proof back.
    page = alice_client.get(f"/requests/{request.reference}/").content.decode()
    assert request.reference in page
    assert "proof-" not in page
    # Both pages say staff check the authority; signing in again would not help here.
    done = alice_client.get(response["Location"]).content.decode()
    for text in (page, done):
        assert "Vi kontrollerar din behörighet" in text
        assert "Vi behöver bekräfta vem du är</h2>" not in text


def test_a_proof_that_is_not_a_pdf_or_image_is_refused(alice_client, private_media):
    data = form(
        capacity="power_of_attorney",
        entities=entity_ids("kalmar-energi-elnat"),
        represented_personal_number=make_personal_number("19500505", "333").formatted(),
        represented_first_name="Greta",
        represented_last_name="Gran",
        proof=SimpleUploadedFile(
            "fullmakt.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
        ),
    )
    response = alice_client.post("/en" + KALMAR_FILE, data)
    assert response.status_code == 400
    assert "The file must be a PDF document or a JPEG or PNG image." in response.content.decode()
    assert RightsRequest.objects.count() == 0


def test_the_honeypot_files_nothing(alice_client):
    response = alice_client.post(
        KALMAR_FILE, form(entities=entity_ids("kalmar-energi-elnat"), website="http://spam.example")
    )
    assert response.status_code == 302
    assert RightsRequest.objects.count() == 0


def test_filing_is_rate_limited_per_person(alice_client, settings):
    settings.PORTAL_FILING_RATE_LIMITS = {"person": [(2, 3600)]}
    data = form(entities=entity_ids("kalmar-energi-elnat"))
    assert alice_client.post(KALMAR_FILE, data).status_code == 302
    assert alice_client.post(KALMAR_FILE, data).status_code == 302
    response = alice_client.post("/en" + KALMAR_FILE, data)
    assert response.status_code == 429
    assert "You have sent many requests in a short time." in response.content.decode()
    assert Submission.objects.count() == 2


def test_the_form_needs_a_csrf_token(alice, client):
    csrf_client = sign_in(type(client)(enforce_csrf_checks=True), alice.personal_number)
    response = csrf_client.post(KALMAR_FILE, form(entities=entity_ids("kalmar-energi-elnat")))
    assert response.status_code == 403
    assert RightsRequest.objects.count() == 0


def test_an_unknown_organisation_is_404(alice_client):
    assert alice_client.get("/org/nowhere/file/").status_code == 404
    assert alice_client.get("/org/nowhere/").status_code == 404


def test_filing_takes_a_fixed_number_of_queries_however_many_requests(
    alice_client, django_assert_max_num_queries
):
    """One request takes 19 statements (63 before bench/RESULTS.md's filing work), four
    take 26: per further request the INSERT of the request and the one of its events.

    The four rate limits are one upsert and one read, the references one upsert for
    all the requests, the receipt one INSERT into the outbox.
    """
    with django_assert_max_num_queries(19):
        response = alice_client.post(KALMAR_FILE, form(entities=entity_ids("kalmar-energi-elnat")))
    assert response.status_code == 302
    with django_assert_max_num_queries(26):
        response = alice_client.post(
            KALMAR_FILE,
            form(
                rights=["access", "portability"],
                entities=entity_ids("kalmar-energi-elnat", "kalmar-energi-varme"),
            ),
        )
    assert response.status_code == 302
    assert RightsRequest.objects.filter(status=Status.IN_PROGRESS).count() == 5
