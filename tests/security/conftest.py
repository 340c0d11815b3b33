"""The world of the authorisation matrix: two customers of Elnät, one of Landskrona, and staff."""

import datetime
import hashlib
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from datamap.models import LegalEntity
from identity.levels import IdentityLevel
from identity.models import ApiClient
from rights_requests import roles, workflow
from rights_requests.models import Artifact, Message
from tests.api.conftest import (  # noqa: F401 - fixtures shared with the API tests
    _fresh_throttles,
    _private_media,
    elnat_api,
    elnat_system,
    sign_in_customer,
    system_client,
)
from tests.rights_requests.factories import file_request
from tests.staff.conftest import make_staff, verified_client


@dataclass
class World:
    subject_a: object
    subject_b: object
    subject_l: object
    request_a: object
    request_b: object
    request_l: object
    artifact_a: object
    message_a: object
    users: dict
    tokens: dict
    admin_ids: dict = field(default_factory=dict)

    def foreign(self, persona: str) -> list[str]:
        """Texts that must never appear in what `persona` is shown (others' references, names)."""
        a = [self.request_a.reference, self.subject_a.last_name]
        b = [self.request_b.reference, self.subject_b.last_name]
        landskrona = [self.request_l.reference, self.subject_l.last_name]
        return {
            "anonymous": a + b + landskrona,
            "customer_a": b + landskrona,
            "customer_b": a + landskrona,
            "other_staff": a + b,
            "staff": landskrona,
            "dpo": landskrona,
            "system": landskrona,
            "other_system": a + b,
        }[persona]


def make_artifact(request) -> Artifact:
    content = b"%PDF-1.7 matrix"
    artifact = Artifact(
        request=request,
        kind=Artifact.Kind.REGISTER_EXTRACT,
        filename="registerutdrag.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    artifact.file.save("registerutdrag.pdf", ContentFile(content), save=False)
    artifact.save()
    return artifact


@pytest.fixture
def world(make_subject, elnat, kalmar, landskrona):
    landskrona_entity = LegalEntity.objects.get(slug="landskrona-energi")
    subject_a = make_subject(first_name="Agnes", last_name="Aaltonen")
    subject_b = make_subject(first_name="Bodil", last_name="Bergqvist")
    subject_l = make_subject(first_name="Ludvig", last_name="Lundkvist")
    request_a = file_request(subject_a, elnat, level=IdentityLevel.HIGH)
    request_b = file_request(subject_b, elnat, level=IdentityLevel.HIGH)
    request_l = file_request(subject_l, landskrona_entity, level=IdentityLevel.HIGH)
    message_a = Message.objects.create(
        request=request_a, sender=Message.Sender.STAFF, body="Vi har tagit emot din begäran."
    )
    workflow.record_event(request_a, "message.sent", data={"message": message_a.pk})
    artifact_a = make_artifact(request_a)
    rectification_a = file_request(
        subject_a,
        elnat,
        right="rectification",
        level=IdentityLevel.HIGH,
        details={"claims": [{"field": "street_address", "value": "Storgatan 1"}]},
    )
    users = {
        "staff": make_staff("eva.elnat", roles.CUSTOMER_SERVICE, entities=[elnat]),
        "other_staff": make_staff(
            "lars.landskrona", roles.CUSTOMER_SERVICE, organisations=[landskrona]
        ),
        "dpo": make_staff("dora.dpo", roles.DPO, organisations=[kalmar]),
    }
    tokens = {
        "system": ApiClient.issue(name="elnat-cis", legal_entities=[elnat])[1],
        "other_system": ApiClient.issue(name="landskrona-crm", legal_entities=[landskrona_entity])[
            1
        ],
    }
    admin_ids = _admin_objects(request_a, subject_a, message_a, artifact_a, elnat, users["dpo"])
    admin_ids.update(
        {
            "identity.apiclient": ApiClient.objects.get(name="elnat-cis").pk,
            "auth.user": users["dpo"].pk,
            "otp_totp.totpdevice": users["dpo"].totpdevice_set.first().pk,
        }
    )
    world = World(
        subject_a,
        subject_b,
        subject_l,
        request_a,
        request_b,
        request_l,
        artifact_a,
        message_a,
        users,
        tokens,
        admin_ids,
    )
    world.rectification_a = rectification_a
    return world


def _admin_objects(request_a, subject_a, message_a, artifact_a, elnat, dpo):
    """One object per admin model, belonging to customer A or to Elnät where it can."""
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_static.models import StaticDevice

    from consent import services as consent_services
    from consent.models import ConsentPurpose, ConsentText
    from datamap import models as datamap
    from datamap import pii
    from retention import models as retention
    from rights_requests import outbox
    from rights_requests.models import RecipientNotice

    lookup_hash = pii.lookup_hash(subject_a.personal_number)
    effect = outbox.enqueue_extract(request_a)
    record = consent_services.grant(subject_a, "ke-newsletter", channel="phone")
    suppression = consent_services.suppress(lookup_hash, reason="objection", source="test")
    task = datamap.ManualTask.objects.create(
        request=request_a,
        subject=subject_a,
        legal_entity=elnat,
        system=datamap.System.objects.first(),
        category="customer",
        action=datamap.ManualTask.Action.choices[0][0],
    )
    notice = RecipientNotice.objects.create(
        request=request_a,
        recipient=datamap.Recipient.objects.order_by("pk").first(),
        change=RecipientNotice.Change.RECTIFIED,
        categories=["contact"],
    )
    static = StaticDevice.objects.create(user=dpo, name="backup")
    hold = retention.LegalHold.objects.create(
        subject_hash=lookup_hash, legal_entity=elnat, reason="Tvist om en faktura", set_by=dpo
    )
    run = retention.RetentionRun.objects.create(today=timezone.localdate(), dry_run=True)
    rule = retention.RetentionRule.objects.filter(legal_entity=elnat).order_by("pk").first()

    def first(model):
        obj = model.objects.order_by("pk").first()
        return obj.pk if obj else 999_999

    return {
        "rights_requests.rightsrequest": request_a.pk,
        "rights_requests.datasubject": subject_a.pk,
        "rights_requests.submission": request_a.submission_id,
        "rights_requests.requestevent": request_a.events.order_by("seq").first().pk,
        "rights_requests.message": message_a.pk,
        "rights_requests.artifact": artifact_a.pk,
        "rights_requests.outbox": effect.pk,
        "datamap.organisation": elnat.organisation_id,
        "datamap.legalentity": elnat.pk,
        "datamap.purpose": first(datamap.Purpose),
        "datamap.datacategory": first(datamap.DataCategory),
        "datamap.legalbasis": first(datamap.LegalBasis),
        "datamap.recipient": first(datamap.Recipient),
        "datamap.system": first(datamap.System),
        "datamap.processingactivity": first(datamap.ProcessingActivity),
        "datamap.manualtask": task.pk,
        "rights_requests.recipientnotice": notice.pk,
        "consent.consentpurpose": ConsentPurpose.objects.get(code="ke-newsletter").pk,
        # A text nobody has agreed to yet (one that has records can never be deleted).
        "consent.consenttext": ConsentText.objects.filter(
            purpose__organisation=elnat.organisation, records__isnull=True
        )
        .order_by("pk")
        .first()
        .pk,
        "consent.consentrecord": record.pk,
        "consent.suppression": suppression.pk,
        "retention.retentionrule": rule.pk if rule else first(retention.RetentionRule),
        "retention.legalhold": hold.pk,
        "retention.retentionrun": run.pk,
        "auth.group": Group.objects.order_by("pk").first().pk,
        "otp_static.staticdevice": static.pk,
    }


@pytest.fixture
def persona_clients(world):
    def make():
        return {
            "anonymous": Client(),
            "customer_a": sign_in_customer(Client(), world.subject_a),
            "customer_b": sign_in_customer(Client(), world.subject_b),
            "other_staff": verified_client(world.users["other_staff"]),
            "staff": verified_client(world.users["staff"]),
            "dpo": verified_client(world.users["dpo"]),
            "system": system_client(world.tokens["system"]),
            "other_system": system_client(world.tokens["other_system"]),
        }

    return make
