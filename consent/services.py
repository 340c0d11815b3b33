"""The consent ledger and the suppression list: the functions other parts call.

* `current_consents(person)`: the state of every offered purpose, derived from the
  ledger in one query (the latest record per purpose wins).
* `grant(...)` / `withdraw(...)`: append a record. Withdrawing takes exactly the same
  call as granting (GDPR Art. 7(3): "as easy to withdraw as to give consent").
* `suppress(...)`, `is_suppressed(...)`, `suppression_list(...)`: the direct-marketing
  suppression list (Art. 21(2)-(3)).

A person is given as a DataSubject, a PersonalNumber or a look-up hash; the ledger
keeps only the hash (and a link to the DataSubject while it exists).
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from datamap import pii

from .models import ConsentPurpose, ConsentRecord, ConsentText, Suppression

logger = logging.getLogger(__name__)


class ConsentError(Exception):
    """The consent change is not allowed."""


class SuppressedError(ConsentError):
    """The person objected to direct marketing; no other system may consent them back in."""


@dataclass(frozen=True)
class ConsentState:
    purpose: str  # ConsentPurpose.code
    granted: bool  # the latest ledger record is a grant
    suppressed: bool  # a direct-marketing purpose while the person is on the suppression list
    at: datetime.datetime | None = None
    channel: str = ""
    text_version: int | None = None
    record_id: int | None = None

    @property
    def effective(self) -> bool:
        """Whether the purpose may be used for the person now."""
        return self.granted and not self.suppressed


def subject_hash_of(person) -> str:
    """Return the look-up hash of a DataSubject, PersonalNumber or hash."""
    if isinstance(person, str):
        if len(person) != 64:
            raise ValueError("expected a 64-character look-up hash")
        return person
    if isinstance(person, pii.PersonalNumber):
        return pii.lookup_hash(person)
    hash_ = getattr(person, "personal_number_hash", None)
    if not hash_:
        raise TypeError("expected a DataSubject, a PersonalNumber or a look-up hash")
    return hash_


def _subject_id(person) -> int | None:
    """Link the record to the DataSubject row when one exists (optional FK)."""
    if hasattr(person, "personal_number_hash") and getattr(person, "pk", None):
        return person.pk
    from rights_requests.models import DataSubject

    return (
        DataSubject.objects.filter(personal_number_hash=subject_hash_of(person))
        .values_list("pk", flat=True)
        .first()
    )


def latest_records():
    """The ledger's current rows: those with no later record for the same person and purpose.

    Set-based (one NOT EXISTS), so that it works for one person or for everybody.
    """
    later = ConsentRecord.objects.filter(
        subject_hash=OuterRef("subject_hash"), purpose_id=OuterRef("purpose_id")
    ).filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), id__gt=OuterRef("id")))
    return ConsentRecord.objects.filter(~Exists(later))


def _suppressed_filter(hash_ref, purpose_ref=None, organisation_ref=None):
    """Active suppressions that cover the given person (and purpose and organisation)."""
    query = Suppression.objects.filter(lookup_hash=hash_ref, lifted_at__isnull=True)
    if purpose_ref is not None:
        query = query.filter(Q(purpose__isnull=True) | Q(purpose_id=purpose_ref))
    if organisation_ref is not None:
        query = query.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation_ref))
    return query


def current_consents(person, *, organisation=None) -> dict[str, ConsentState]:
    """Return the state of every offered purpose for the person, in one query.

    A purpose never granted is reported as not granted. Direct-marketing purposes are
    reported suppressed while the person is on the suppression list (Art. 21(3)).
    """
    hash_ = subject_hash_of(person)
    purposes = ConsentPurpose.objects.filter(active=True).select_related("organisation")
    if organisation is not None:
        purposes = purposes.filter(organisation=organisation)
    rows = (
        latest_records()
        .filter(subject_hash=hash_, purpose__in=purposes)
        .values("purpose__code", "action", "at", "channel", "text__version", "id")
    )
    suppressed = set(
        purposes.filter(direct_marketing=True)
        .filter(Exists(_suppressed_filter(hash_, OuterRef("pk"), OuterRef("organisation_id"))))
        .values_list("code", flat=True)
    )
    states = {
        code: ConsentState(purpose=code, granted=False, suppressed=code in suppressed)
        for code in purposes.values_list("code", flat=True)
    }
    for row in rows:
        code = row["purpose__code"]
        states[code] = ConsentState(
            purpose=code,
            granted=row["action"] == ConsentRecord.Action.GRANT,
            suppressed=code in suppressed,
            at=row["at"],
            channel=row["channel"],
            text_version=row["text__version"],
            record_id=row["id"],
        )
    return states


def ledger(person, *, organisation=None):
    """Return every ledger record of the person, oldest first (for the register extract, Art. 15)."""
    records = ConsentRecord.objects.filter(subject_hash=subject_hash_of(person))
    if organisation is not None:
        records = records.filter(purpose__organisation=organisation)
    return records.select_related("purpose", "text").order_by("at", "id")


def current_text(purpose: ConsentPurpose, *, at=None) -> ConsentText | None:
    """Return the text version valid at `at` (now by default)."""
    at = at or timezone.now()
    return purpose.texts.filter(valid_from__lte=at).order_by("-valid_from", "-version").first()


def _purpose(purpose) -> ConsentPurpose:
    if isinstance(purpose, ConsentPurpose):
        return purpose
    try:
        return ConsentPurpose.objects.get(code=purpose)
    except ConsentPurpose.DoesNotExist:
        raise ConsentError(f"unknown consent purpose {purpose!r}") from None


def _record(person, purpose, action, *, channel, text_version, evidence, by, at):
    purpose = _purpose(purpose)
    ConsentRecord.Channel(channel)  # refuse unknown channels
    at = at or timezone.now()
    if text_version is None:
        text = current_text(purpose, at=at)
    else:
        text = purpose.texts.filter(version=text_version).first()
        if text is None:
            raise ConsentError(f"{purpose.code} has no text version {text_version}")
    evidence = dict(evidence or {})
    if text is not None:
        evidence.setdefault("text_sha256", text.digest())
    record = ConsentRecord(
        subject_hash=subject_hash_of(person),
        subject_id=_subject_id(person),
        purpose=purpose,
        action=action,
        at=at,
        channel=channel,
        text=text,
        evidence=evidence,
        recorded_by=by,
    )
    record.save()
    return record


def grant(
    person,
    purpose,
    *,
    channel: str,
    text_version: int | None = None,
    evidence: dict | None = None,
    by=None,
    at: datetime.datetime | None = None,
) -> ConsentRecord:
    """Record that the person consented to `purpose` (a ConsentPurpose or its code).

    `text_version` is the version of the text the person saw (the one valid at `at` when
    not given); `evidence` says how the consent was shown to be given (Art. 7(1)).

    A direct-marketing purpose cannot be granted for a person on the suppression list
    except by the person themself in the portal: their own new, explicit choice ends the
    objection for that purpose's organisation (Art. 21(3)); an import, a phone call
    logged by staff or another system must not bring them back.
    """
    purpose = _purpose(purpose)
    hash_ = subject_hash_of(person)
    with transaction.atomic():
        if purpose.direct_marketing:
            blocking = _suppressed_filter(hash_, purpose.pk, purpose.organisation_id)
            if blocking.exists():
                if channel != ConsentRecord.Channel.PORTAL:
                    raise SuppressedError(
                        f"{purpose.code}: the person is on the direct-marketing suppression list"
                    )
        record = _record(
            person,
            purpose,
            ConsentRecord.Action.GRANT,
            channel=channel,
            text_version=text_version,
            evidence=evidence,
            by=by,
            at=at,
        )
        if purpose.direct_marketing and channel == ConsentRecord.Channel.PORTAL:
            # Only suppressions this purpose's grant can end: those of this purpose, and
            # withdrawals; an objection to all direct marketing is lifted per purpose by
            # narrowing, which we do not do automatically.
            Suppression.objects.filter(
                lookup_hash=hash_,
                lifted_at__isnull=True,
                purpose=purpose,
            ).update(lifted_at=record.at, lifted_reason=f"grant:{record.pk}")
    logger.info("consent granted: %s via %s (record %s)", purpose.code, channel, record.pk)
    return record


def withdraw(
    person,
    purpose,
    *,
    channel: str,
    text_version: int | None = None,
    evidence: dict | None = None,
    by=None,
    at: datetime.datetime | None = None,
) -> ConsentRecord:
    """Record that the person withdrew consent to `purpose`; takes effect at once (Art. 7(3)).

    For a direct-marketing purpose the person is also put on the suppression list for
    that purpose, so that no other list or system markets it to them (Art. 21(3)).
    """
    purpose = _purpose(purpose)
    with transaction.atomic():
        record = _record(
            person,
            purpose,
            ConsentRecord.Action.WITHDRAW,
            channel=channel,
            text_version=text_version,
            evidence=evidence,
            by=by,
            at=at,
        )
        if purpose.direct_marketing:
            suppress(
                record.subject_hash,
                reason=f"Consent to {purpose.code} withdrawn",
                source=f"withdrawal:{record.pk}",
                purpose=purpose,
                organisation=purpose.organisation,
                at=record.at,
            )
    logger.info("consent withdrawn: %s via %s (record %s)", purpose.code, channel, record.pk)
    return record


def suppress(
    lookup_hash,
    *,
    reason: str,
    source: str,
    purpose=None,
    organisation=None,
    at: datetime.datetime | None = None,
) -> Suppression:
    """Put the person on the direct-marketing suppression list (Art. 21(3)); idempotent.

    Without `purpose` and `organisation` the suppression covers all direct marketing
    everywhere, which is what an objection under Art. 21(2) asks for. `source` names
    where it came from, e.g. "objection:KE-2026-000123" or "withdrawal:<record id>".
    """
    hash_ = subject_hash_of(lookup_hash)
    purpose = _purpose(purpose) if purpose is not None else None
    existing = Suppression.objects.filter(
        lookup_hash=hash_, lifted_at__isnull=True, purpose=purpose, organisation=organisation
    ).first()
    if existing is not None:
        return existing
    suppression = Suppression.objects.create(
        lookup_hash=hash_,
        purpose=purpose,
        organisation=organisation,
        reason=reason[:300],
        source=source[:100],
        created_at=at or timezone.now(),
    )
    logger.info("direct-marketing suppression added (%s)", source)
    return suppression


def is_suppressed(lookup_hash, *, purpose=None, organisation=None) -> bool:
    """Return whether the person must not receive direct marketing (for the given scope).

    Without a purpose or organisation, any active suppression counts.
    """
    hash_ = subject_hash_of(lookup_hash)
    query = Suppression.objects.filter(lookup_hash=hash_, lifted_at__isnull=True)
    if purpose is not None:
        purpose = _purpose(purpose)
        query = query.filter(Q(purpose__isnull=True) | Q(purpose=purpose))
        organisation = organisation or purpose.organisation
    if organisation is not None:
        query = query.filter(Q(organisation__isnull=True) | Q(organisation=organisation))
    return query.exists()


def suppression_list(since: datetime.datetime | None = None):
    """Return the active suppressions (a queryset), optionally only those added since a time.

    Marketing systems fetch it before every mailing and drop every listed hash.
    """
    query = Suppression.objects.filter(lifted_at__isnull=True)
    if since is not None:
        query = query.filter(created_at__gte=since)
    return query.order_by("created_at", "id")


def consented_hashes(purpose):
    """Return a queryset of the look-up hashes that may be contacted for `purpose` now.

    For a mailing: the latest record is a grant, and (for direct marketing) the person is
    not suppressed. One query, whatever the number of people.
    """
    purpose = _purpose(purpose)
    current = latest_records().filter(purpose=purpose, action=ConsentRecord.Action.GRANT)
    if purpose.direct_marketing:
        current = current.exclude(
            Exists(
                _suppressed_filter(OuterRef("subject_hash"), purpose.pk, purpose.organisation_id)
            )
        )
    return current.values_list("subject_hash", flat=True)
