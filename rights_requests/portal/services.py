"""What the customer portal writes: filing, messages, withdrawal, downloads.

Status changes go through rights_requests.workflow; this module only prepares the
arguments, keeps the records around them (subject, proof, events) and sends the
receipt that lists every request of a submission.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from datamap import pii
from datamap.models import Organisation
from identity import ratelimit
from identity.levels import IdentityLevel
from identity.session import VerifiedIdentity

from .. import workflow
from ..models import (
    Artifact,
    DataSubject,
    Message,
    RightsRequest,
    Status,
    Submission,
)

logger = logging.getLogger(__name__)

# Filing limits (Issue 3, scope 8), per signed-in person and per client address.
FILING_LIMITS = {
    "person": [(10, 3600), (20, 86400)],
    "ip": [(30, 3600), (100, 86400)],
}
# A representative's proof is kept so that the company can show the authority existed
# (EDPB-GL §§80-81; legal-rules.md R24), then deleted by the artefact expiry sweep.
PROOF_KEEP = datetime.timedelta(days=365)


class FilingLimited(Exception):
    """Too many submissions from this person or address recently."""


def check_filing_limits(identity: VerifiedIdentity, client_ip: str) -> None:
    """Count one filing attempt; raise FilingLimited when over a limit."""
    limits = {**FILING_LIMITS, **getattr(settings, "PORTAL_FILING_RATE_LIMITS", {})}
    keys = {"person": identity.personal_number_hash, "ip": client_ip or "unknown"}
    # Every limit is counted, so that a refused attempt keeps the limit closed.
    allowed = all(
        ratelimit.hit_many(
            [
                (f"portal.filing.{name}", key, limit, datetime.timedelta(seconds=seconds))
                for name, key in keys.items()
                for limit, seconds in limits[name]
            ]
        )
    )
    if not allowed:
        raise FilingLimited


def subject_for(number: pii.PersonalNumber, *, first_name: str, last_name: str) -> DataSubject:
    """Return the person's DataSubject, creating it (with names only) when new.

    An existing record is never changed from the portal; in particular no e-mail address
    is written to it, because an address on record raises the level an e-mail code
    gives (identity.email_code) and a typed address is only the person's word.
    """
    existing = DataSubject.objects.filter_by_personal_number(number).first()
    if existing is not None:
        return existing
    subject = DataSubject(first_name=first_name.strip(), last_name=last_name.strip())
    subject.set_personal_number(number)
    try:
        with transaction.atomic():
            subject.save()
    except IntegrityError:  # created by a parallel request in the meantime
        return DataSubject.objects.get_by_personal_number(number)
    return subject


@dataclass(frozen=True)
class Representation:
    """Someone acting for the subject (guardian or power of attorney; R24)."""

    capacity: str
    personal_number: pii.PersonalNumber
    first_name: str
    last_name: str
    proof: object  # the uploaded file, checked by identity.forms.ProofFileField


def file_from_portal(
    *,
    identity: VerifiedIdentity,
    personal_number: pii.PersonalNumber,
    organisation: Organisation,
    items: list[workflow.RequestItem],
    first_name: str,
    last_name: str,
    contact_email: str,
    language: str,
    representation: Representation | None = None,
) -> Submission:
    """File a web submission for the signed-in person, or for the person they represent.

    1. Find or create the subject (the signed-in person, or the represented one).
    2. File through workflow.file_submission with the signed-in level; a representative's
       sign-in proves who *they* are, not their authority, so the subject's level is
       `none` until staff have checked the proof (R24), and the requests wait for that.
    3. Keep the proof with every request, and send one receipt listing them all.
    """
    if representation is None:
        subject = subject_for(personal_number, first_name=first_name, last_name=last_name)
        level, method, representative_name = identity.level, identity.method, ""
    else:
        subject = subject_for(
            representation.personal_number,
            first_name=representation.first_name,
            last_name=representation.last_name,
        )
        level, method = IdentityLevel.NONE, ""
        representative_name = f"{first_name} {last_name}".strip()
        marker = {
            "representative": {
                "lookup_hash": identity.personal_number_hash,
                "masked": identity.masked_personal_number,
                "name": representative_name,
                "capacity": representation.capacity,
            }
        }
        items = [
            workflow.RequestItem(i.legal_entity, i.right, {**i.details, **marker}) for i in items
        ]
    file = functools.partial(
        workflow.file_submission,
        subject=subject,
        organisation=organisation,
        items=items,
        language=language,
        contact_email=contact_email,
        capacity=representation.capacity if representation else Submission.Capacity.SELF,
        representative_name=representative_name,
        identity_level=level,
        identity_method=method,
        one_receipt=True,
    )
    if representation is None:
        # Not inside a transaction of ours: file_submission takes the reference numbers
        # in a statement of their own before its transaction (workflow.reserve_references).
        submission = file()
    else:
        with transaction.atomic():  # the proof is kept with the submission, or neither
            submission = file()
            _keep_proof(submission, representation.proof)
    logger.info(
        "web submission %s filed: %d request(s), level %s", submission.pk, len(items), level
    )
    return submission


def _keep_proof(submission: Submission, upload) -> None:
    extension = getattr(upload, "proof_extension", "bin")
    name = default_storage.save(f"proofs/{submission.pk}/proof.{extension}", upload)
    size = default_storage.size(name)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    now = timezone.now()
    for request in submission.requests.all():
        artifact = Artifact(
            request=request,
            kind=Artifact.Kind.PROOF,
            filename=f"proof-{request.reference}.{extension}",
            content_type=getattr(upload, "proof_content_type", "application/octet-stream"),
            size=size,
            sha256=digest.hexdigest(),
            created_at=now,
            expires_at=now + PROOF_KEEP,
        )
        artifact.file.name = name
        artifact.save()
        workflow.record_event(request, "proof.received", data={"artifact": artifact.pk})


# --- Following a request -------------------------------------------------------------------


def customer_message(request: RightsRequest, *, body: str) -> Message:
    """Post the customer's message; an answer to a question resumes the work (R9)."""
    with transaction.atomic():
        message = Message.objects.create(request=request, sender=Message.Sender.CUSTOMER, body=body)
        workflow.record_event(
            request,
            "message.received",
            actor_label="customer",
            data={"message": message.pk},
            customer_visible=True,
        )
        if request.status == Status.AWAITING_CUSTOMER:
            workflow.request_customer_replied(request)
    return message


def mark_staff_messages_read(request: RightsRequest) -> int:
    return Message.objects.filter(
        request=request, sender=Message.Sender.STAFF, read_at__isnull=True
    ).update(read_at=timezone.now())


def record_download(request: RightsRequest, artifact: Artifact) -> None:
    workflow.record_event(
        request,
        "file.downloaded",
        actor_label="customer",
        data={"artifact": artifact.pk, "filename": artifact.filename},
        customer_visible=True,
    )
