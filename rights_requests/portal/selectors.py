"""What a signed-in customer may see: their own requests and nothing else.

Every customer query starts from `visible_requests(identity)`; a request outside it
answers 404, whatever its reference or file number.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from identity.levels import IdentityLevel, satisfies
from identity.session import VerifiedIdentity

from ..models import Artifact, RequestEvent, RightsRequest

# Files a customer may download. A representative's proof is for staff only.
CUSTOMER_FILE_KINDS = (
    Artifact.Kind.REGISTER_EXTRACT,
    Artifact.Kind.PORTABILITY_EXPORT,
    Artifact.Kind.LETTER,
)
# A download hands over personal data, so it needs at least `substantial` (DESIGN.md §6).
DOWNLOAD_LEVEL = IdentityLevel.SUBSTANTIAL


def visible_requests(identity: VerifiedIdentity) -> QuerySet[RightsRequest]:
    """Return the requests the signed-in person may see.

    Those of the person (by the look-up hash of the personal number), and those they
    filed as a representative. At level `low` the personal number is only the person's
    word (an e-mail code to an address not on record), so they see only what they filed
    with the address whose code they entered (Art. 12(6), 15(4): no data of others).
    """
    mine = Q(subject__personal_number_hash=identity.personal_number_hash) | Q(
        details__representative__lookup_hash=identity.personal_number_hash
    )
    requests = RightsRequest.objects.filter(mine)
    if not satisfies(identity.level, IdentityLevel.SUBSTANTIAL):
        if not identity.email:
            return requests.none()
        requests = requests.filter(submission__contact_email__iexact=identity.email)
    return requests


def request_list(identity: VerifiedIdentity) -> QuerySet[RightsRequest]:
    """Return the list page's rows in one query, newest first (with the submission, whose
    capacity the status reads)."""
    return (
        visible_requests(identity)
        .select_related("legal_entity__organisation", "submission")
        .order_by("-received_at", "legal_entity__name", "pk")
    )


def request_for(identity: VerifiedIdentity, reference: str) -> RightsRequest:
    """Return one visible request by reference, or raise Http404."""
    request = (
        visible_requests(identity)
        .select_related("legal_entity__organisation", "submission")
        .filter(reference=reference)
        .first()
    )
    if request is None:
        raise Http404("No such request.")
    return request


def timeline(request: RightsRequest) -> list[RequestEvent]:
    return list(RequestEvent.objects.filter(request=request, customer_visible=True).order_by("seq"))


def customer_files(request: RightsRequest) -> list[Artifact]:
    return list(request.artifacts.filter(kind__in=CUSTOMER_FILE_KINDS).order_by("-created_at"))


def can_download(identity: VerifiedIdentity) -> bool:
    return satisfies(identity.level, DOWNLOAD_LEVEL)
