"""Plain helpers that put a request into a given state through the workflow only."""

import datetime as dt

from identity.levels import IdentityLevel, VerificationMethod
from rights_requests import workflow
from rights_requests.models import Right, RightsRequest, Status


def file_request(
    subject,
    entity,
    *,
    right=Right.ACCESS,
    received_at=None,
    level=IdentityLevel.NONE,
    route=True,
    details=None,
) -> RightsRequest:
    submission = workflow.file_submission(
        subject=subject,
        organisation=entity.organisation,
        items=[workflow.RequestItem(entity, right, details or {})],
        received_at=received_at,
        identity_level=level,
        identity_method=VerificationMethod.EID if level == IdentityLevel.HIGH else "",
        route=route,
    )
    return submission.requests.get()


def request_in(status: str, subject, entity, **kwargs) -> RightsRequest:
    """Return a request brought to `status` by the workflow functions."""
    if status == Status.RECEIVED:
        return file_request(subject, entity, route=False, level=IdentityLevel.HIGH, **kwargs)
    if status == Status.AWAITING_IDENTITY:
        return file_request(subject, entity, **kwargs)
    request = file_request(subject, entity, level=IdentityLevel.HIGH, **kwargs)
    if status == Status.IN_PROGRESS:
        return request
    if status == Status.AWAITING_CUSTOMER:
        return workflow.request_ask_customer(request, question="Which address?")
    if status == Status.COMPLETED:
        return workflow.request_complete(request)
    if status == Status.REFUSED:
        return workflow.request_refuse(request, reasons="Manifestly unfounded (Art. 12(5)).")
    if status == Status.WITHDRAWN:
        return workflow.request_withdraw(request, by_customer=True)
    raise ValueError(status)


def stockholm(*args) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/Stockholm"))
