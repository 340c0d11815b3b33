"""Registering a request that reached the company by phone, letter, e-mail or visit."""

import logging

from django.db import transaction
from rest_framework import serializers

from rights_requests import workflow
from rights_requests.models import Submission

from . import serializers as s

logger = logging.getLogger(__name__)


def register_submission(data: s.RequestCreateSerializer, *, client) -> Submission:
    """Find or create the person by personal number, then file through the workflow."""
    from rights_requests.models import DataSubject

    values = data.validated_data
    number = values["personal_number"]
    with transaction.atomic():
        subject = DataSubject.objects.filter_by_personal_number(number).first()
        if subject is None:
            subject = DataSubject(
                first_name=values["first_name"],
                last_name=values["last_name"],
                email=values.get("email", ""),
                phone=values.get("phone", ""),
                street_address=values.get("street_address", ""),
                postal_code=values.get("postal_code", ""),
                city=values.get("city", ""),
                preferred_language=values["language"],
            )
            subject.set_personal_number(number)
            subject.save()
        details = {}
        if values.get("details"):
            details["registered_note"] = values["details"]
        items = []
        for entity in values["entities"]:
            for right in values["rights"]:
                item_details = dict(details)
                if right == "access" and values.get("access_delivery"):
                    item_details["delivery"] = values["access_delivery"]
                if right == "objection" and values.get("direct_marketing"):
                    item_details["direct_marketing"] = True
                items.append(workflow.RequestItem(entity, right, item_details))
        try:
            submission = workflow.file_submission(
                subject=subject,
                organisation=values["entities"][0].organisation,
                items=items,
                channel=values["channel"],
                received_at=values["received_at"],
                language=values["language"],
                contact_email=values.get("email", ""),
                identity_level=data.identity_level,
                identity_method=values.get("identity_method", ""),
            )
        except ValueError as error:
            raise serializers.ValidationError({"non_field_errors": [str(error)]}) from None
        for request in submission.requests.all():
            workflow.record_event(
                request,
                "api.registered",
                actor_label=f"api:{client.name}"[:100],
                data={"client": client.pk},
            )
    logger.info("api client %s registered submission %s", client.pk, submission.pk)
    return submission
