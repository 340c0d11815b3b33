"""Staff's free text is held back for review before release (Art. 15(4), 20(4); R17)."""

import csv
import io
import json
import zipfile

import pypdf
import pytest

from datamap import democis
from datamap.connectors import ConnectorError
from datamap.connectors.sql import SqlConnector
from datamap.models import LegalEntity, ManualTask, System
from identity.levels import IdentityLevel
from rights_requests.fulfilment import extract, portability, review
from rights_requests.models import Right
from tests.rights_requests.factories import file_request

from .conftest import FakeConnector

pytestmark = pytest.mark.django_db(databases=["default", "cis"])
NOTE = "Kunden undrade över en hög faktura i januari; förklarat med kall månad."


@pytest.fixture
def cis_customer(customer):
    def make(companies=("kalmar-energi-elnat",), **names):
        return customer(companies, **names)

    return make


def extract_of(request):
    artifact = extract.build_register_extract(request.pk)
    with artifact.file.open("rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    files = {name: data[0] for name, data in reader.attachments.items()}
    return text, files


def review_tasks(request):
    return ManualTask.objects.filter(request=request, action=ManualTask.Action.REVIEW)


def test_case_notes_are_held_back_and_staff_get_a_task(cis_customer, private_storage):
    subject = cis_customer()
    request = file_request(
        subject, LegalEntity.objects.get(slug="kalmar-energi-elnat"), level=IdentityLevel.HIGH
    )

    text, files = extract_of(request)

    # Neither the pages nor the attachments hold the note; the case itself is there.
    assert "Fråga om faktura" in text
    assert "hög faktura" not in text
    assert all(NOTE.encode() not in data for data in files.values())
    assert "[granskas först, skickas separat]" in text
    assert "1 text som vår personal har skrivit kan gälla även andra personer" in text
    assert "artikel 15.4 i dataskyddsförordningen" in text
    cases = list(csv.DictReader(io.StringIO(files["cis-customer-cases.csv"].decode("utf-8-sig"))))
    assert [row["notes"] for row in cases] == ["[granskas först, skickas separat]"]
    assert cases[0]["topic"] == "Fråga om faktura"

    (task,) = review_tasks(request)
    assert (task.system.code, task.category) == ("cis", "customer-cases")
    case_no = cases[0]["case_no"]
    # The case's number for staff to find it; no text of the note itself.
    assert task.details == {"fields": ["notes"], "rows": 1, "keys": [case_no]}
    assert task.due_on <= request.deadline_on
    assert task.instructions.startswith(
        "Läs fälten Anteckningar (notes) i Kundcenterärenden i Kundinformationssystem (CIS) "
        f"för den här kunden (1 rad: {case_no})."
    )
    assert "art. 15.4" in task.instructions and "delvis beviljat" in task.instructions
    assert NOTE not in task.instructions
    event = request.events.get(kind="review.due")
    assert event.data == {"system": "cis", "category": "customer-cases", "rows": 1}
    assert not event.customer_visible


def test_the_task_is_filed_once_however_often_the_data_are_gathered(
    cis_customer, private_storage, tmp_path
):
    subject = cis_customer()
    request = file_request(
        subject, LegalEntity.objects.get(slug="kalmar-energi-elnat"), level=IdentityLevel.HIGH
    )
    for run in range(2):
        workdir = tmp_path / str(run)
        workdir.mkdir()
        extract.gather(request, workdir, lang="sv")

    assert review_tasks(request).count() == 1
    assert request.events.filter(kind="review.due").count() == 1


def test_nothing_to_review_without_notes(cis_customer, private_storage):
    subject = cis_customer()
    with democis.connection().cursor() as cursor:
        cursor.execute("UPDATE cases SET notes = NULL")
    request = file_request(
        subject, LegalEntity.objects.get(slug="kalmar-energi-elnat"), level=IdentityLevel.HIGH
    )

    text, _files = extract_of(request)

    assert "Fråga om faktura" in text
    assert "granskas först" not in text and "vår personal har skrivit" not in text
    assert not review_tasks(request).exists()


def test_english_extract_says_why_in_english(cis_customer, private_storage):
    subject = cis_customer(first_name="Eve")
    subject.preferred_language = "en"
    subject.save()
    request = file_request(
        subject, LegalEntity.objects.get(slug="kalmar-energi-elnat"), level=IdentityLevel.HIGH
    )

    text, _files = extract_of(request)

    assert "[reviewed first, sent separately]" in text
    assert "1 text written by our staff may also concern other people" in text
    assert "(Article 15(4) GDPR)" in text
    # Staff's task stays in the site's language.
    assert "art. 15.4" in review_tasks(request).get().instructions


class ReviewedConnector(FakeConnector):
    def review_fields(self, category):
        return ["comment"] if category == "identity" else []


def test_the_export_holds_the_same_texts_back(make_subject, private_storage):
    subject = make_subject(first_name="Alice", last_name="Andersson")
    request = file_request(
        subject,
        LegalEntity.objects.get(slug="kalmar-energi-varme"),
        right=Right.PORTABILITY,
        level=IdentityLevel.HIGH,
    )
    rows = {
        "identity": [
            {"customer_no": "K1", "first_name": "Alice", "comment": "Grannen Bo ringde."},
            {"customer_no": "K2", "first_name": "Alice", "comment": ""},
        ]
    }
    fields = {"identity": [("customer_no", "No"), ("first_name", "Name"), ("comment", "Note")]}
    connectors = [(System.objects.get(code="cis"), ReviewedConnector(rows, fields))]

    artifact = portability.build_export(request.pk, connectors=connectors)

    with artifact.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert b"Grannen" not in b"".join(archive.read(n) for n in archive.namelist())
    parsed = list(csv.DictReader(io.TextIOWrapper(archive.open("identity-cis.csv"), "utf-8")))
    assert [r["comment"] for r in parsed] == ["[granskas först, skickas separat]", ""]
    described = json.loads(archive.read("fields.json"))["identity-cis"]["held_back_for_review"]
    assert described["fields"] == ["comment"] and described["rows"] == 1
    assert "1 text som vår personal har skrivit" in archive.read("README.txt").decode()
    (task,) = review_tasks(request)
    assert task.category == "identity"
    assert task.details == {"fields": ["comment"], "rows": 1, "keys": ["K1"]}


def test_review_must_name_configured_fields():
    system = System.objects.get(code="cis")
    config = democis.connector_config("cis")
    config["categories"]["customer-cases"] = {
        **config["categories"]["customer-cases"],
        "review": ["notes", "no_such_field"],
    }
    system.connector_config = config
    connector = SqlConnector(system, LegalEntity.objects.get(slug="kalmar-energi-elnat"))

    with pytest.raises(ConnectorError, match="no_such_field"):
        connector.review_fields("customer-cases")
    assert connector.review_fields("invoices") == []


def test_withheld_rows_count_only_rows_with_text():
    withheld = review.Withheld(["a", "b"])
    rows = [
        {"id": 1, "a": "x", "b": None},
        {"id": 2, "a": "", "b": None},
        {"id": 3, "a": None, "b": "y", "c": "z"},
    ]

    out = list(review.withheld_rows(iter(rows), withheld, "M"))

    assert out == [
        {"id": 1, "a": "M", "b": None},
        {"id": 2, "a": "", "b": None},
        {"id": 3, "a": None, "b": "M", "c": "z"},
    ]
    assert withheld.rows == 2 and withheld.keys == ["1", "3"]
    assert rows[0]["a"] == "x"  # the connector's own rows are not changed


def test_the_task_names_at_most_fifty_rows(cis_customer, private_storage):
    request = file_request(
        cis_customer(),
        LegalEntity.objects.get(slug="kalmar-energi-elnat"),
        level=IdentityLevel.HIGH,
    )
    withheld = review.Withheld(["notes"])
    rows = ({"case_no": f"C{n:03d}", "notes": "text"} for n in range(60))
    for _row in review.withheld_rows(rows, withheld, "M"):
        pass

    task, created = review.file_task(request, System.objects.get(code="cis"), "x", withheld)

    assert created and withheld.rows == 60
    assert task.details["keys"] == [f"C{n:03d}" for n in range(50)]
    assert "(60 rader: C000, C001," in task.instructions and "C049 …)" in task.instructions


def test_staff_see_the_task_on_the_request_page_and_mark_it_done(cis_customer, private_storage):
    from django.urls import reverse

    from rights_requests import roles
    from tests.staff.conftest import make_staff, verified_client

    elnat = LegalEntity.objects.get(slug="kalmar-energi-elnat")
    request = file_request(cis_customer(), elnat, level=IdentityLevel.HIGH)
    extract.build_register_extract(request.pk)
    task = review_tasks(request).get()
    task_url = reverse("admin:datamap_manualtask_change", args=[task.pk])
    client = verified_client(make_staff("eva", roles.CUSTOMER_SERVICE, entities=[elnat]))

    page = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[request.pk]))
    html = page.content.decode()
    assert task_url in html and "Granska för andra personers uppgifter" in html
    assert "Att göra" in html

    done = client.post(
        task_url, {"note": "Skickade anteckningen i ett meddelande", "mark_done": "on"}
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.is_done and task.note == "Skickade anteckningen i ett meddelande"
    page = client.get(reverse("admin:rights_requests_rightsrequest_change", args=[request.pk]))
    assert "klart " in page.content.decode()

    # Staff of another company see neither the task nor the request.
    landskrona = LegalEntity.objects.get(slug="landskrona-energi")
    outsider = verified_client(make_staff("lars", roles.CUSTOMER_SERVICE, entities=[landskrona]))
    refused = outsider.get(task_url)  # the admin's "no such object": back to its index
    assert refused.status_code == 302 and refused.url == reverse("admin:index")
    listing = outsider.get(reverse("admin:datamap_manualtask_changelist"))
    assert task_url not in listing.content.decode()


def test_the_dashboard_counts_the_checklist_tasks_to_do(cis_customer, private_storage):
    import datetime

    from django.urls import reverse

    from rights_requests import roles
    from tests.staff.conftest import make_staff, verified_client

    elnat = LegalEntity.objects.get(slug="kalmar-energi-elnat")
    request = file_request(cis_customer(), elnat, level=IdentityLevel.HIGH)
    extract.build_register_extract(request.pk)  # a review task and the newsletter tool's task
    open_tasks = ManualTask.objects.filter(request=request, done_at__isnull=True)
    assert open_tasks.count() >= 2
    open_tasks.filter(action=ManualTask.Action.FIND).update(due_on=datetime.date(2020, 1, 1))
    dpo = make_staff("dora", roles.DPO, organisations=[elnat.organisation])

    page = verified_client(dpo).get(reverse("admin:staff_dashboard"))

    assert page.context["tasks_due"] == {
        "open": open_tasks.count(),
        "overdue": open_tasks.filter(action=ManualTask.Action.FIND).count(),
        "reviews": 1,
    }
    html = page.content.decode()
    assert reverse("admin:datamap_manualtask_changelist") + "?state=open" in html
    assert "granskningar av personalens anteckningar" in html
    # Staff of Landskrona count none of Kalmar's tasks.
    landskrona = LegalEntity.objects.get(slug="landskrona-energi")
    other = make_staff("lisa", roles.DPO, organisations=[landskrona.organisation])
    counted = verified_client(other).get(reverse("admin:staff_dashboard")).context["tasks_due"]
    assert counted == {"open": 0, "overdue": 0, "reviews": 0}
