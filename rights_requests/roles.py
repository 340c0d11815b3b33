"""Staff roles (groups) and the companies a staff member may see.

Three roles, as Django groups with model permissions:

- customer service (kundtjänst): works requests of their companies;
- DPO (dataskyddsombud): the same, plus the dashboard and approving refusals (four eyes);
- administrator: everything, every company.

Staff belong to organisations or single legal entities (`datamap.StaffMembership`) and
see only the requests, subjects, messages, events and files of those entities: access
on a need-to-know basis (GDPR Art. 5(1)(f), Art. 32(4)). Superusers and administrators
see all. Every admin queryset, object check and custom view goes through `scope_*`.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from datamap.models import LegalEntity, Organisation, StaffMembership

CUSTOMER_SERVICE = "customer service"
DPO = "DPO"
ADMINISTRATOR = "administrator"
ROLES = (CUSTOMER_SERVICE, DPO, ADMINISTRATOR)

# Permissions that are not a model's add/change/delete/view, kept on RightsRequest's type.
CUSTOM_PERMISSIONS = {
    "approve_refusal": "Can approve or reject a proposed refusal (four eyes)",
    "view_dashboard": "Can view the DPO dashboard and reports",
    "register_request": "Can register a request received by e-mail, letter, phone or visit",
}

_STAFF_PERMS = [
    "rights_requests.view_rightsrequest",
    "rights_requests.change_rightsrequest",
    "rights_requests.register_request",
    "rights_requests.view_datasubject",
    "rights_requests.view_submission",
    "rights_requests.view_message",
    "rights_requests.view_requestevent",
    "rights_requests.view_artifact",
    # Recipients to be told of a change (Art. 19): staff tell them and mark it done.
    "rights_requests.view_recipientnotice",
    "rights_requests.change_recipientnotice",
    "datamap.view_organisation",
    "datamap.view_legalentity",
    # Checklist tasks of the manual connector (systems with no access): staff do them.
    "datamap.view_manualtask",
    "datamap.change_manualtask",
]
ROLE_PERMISSIONS = {
    CUSTOMER_SERVICE: _STAFF_PERMS,
    DPO: _STAFF_PERMS
    + [
        "rights_requests.approve_refusal",
        "rights_requests.view_dashboard",
        # The background work (outbox): reads it, and tries failed work again.
        "rights_requests.view_outbox",
        "rights_requests.change_outbox",
        "datamap.view_processingactivity",
        "datamap.view_purpose",
        "datamap.view_datacategory",
        "datamap.view_recipient",
        "datamap.view_system",
        "datamap.view_legalbasis",
        # The DPO keeps the retention rules and legal holds and reads the ledgers.
        "retention.view_retentionrule",
        "retention.change_retentionrule",
        "retention.view_legalhold",
        "retention.add_legalhold",
        "retention.change_legalhold",
        "retention.view_retentionrun",
        "retention.view_retentionrunline",
        "consent.view_consentpurpose",
        "consent.view_consenttext",
        "consent.view_consentrecord",
        "consent.view_suppression",
    ],
    # Administrators get every permission of these apps (see ensure_roles).
    ADMINISTRATOR: [
        "app:rights_requests",
        "app:datamap",
        "app:identity",
        "app:consent",
        "app:retention",
        "app:auth",
        "app:otp_totp",
        "app:otp_static",
    ],
}


def _permissions(specs: list[str]) -> list[Permission]:
    perms: list[Permission] = []
    for spec in specs:
        if spec.startswith("app:"):
            perms += list(Permission.objects.filter(content_type__app_label=spec[4:]))
            continue
        app_label, codename = spec.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return perms


@transaction.atomic
def ensure_roles() -> dict[str, Group]:
    """Create or update the three groups and their permissions; safe to run again."""
    from .models import RightsRequest

    content_type = ContentType.objects.get_for_model(RightsRequest)
    for codename, name in CUSTOM_PERMISSIONS.items():
        Permission.objects.update_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    groups = {}
    for role, specs in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(specs))
        groups[role] = group
    return groups


@transaction.atomic
def grant_role(
    user,
    role: str,
    *,
    organisations: list[Organisation] | tuple = (),
    legal_entities: list[LegalEntity] | tuple = (),
):
    """Give a user a role and the organisations or companies they work for.

    Marks the user as staff; they still enrol a second factor at first sign-in.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    groups = ensure_roles()
    user.groups.add(groups[role])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    for organisation in organisations:
        StaffMembership.objects.get_or_create(
            user=user, organisation=organisation, legal_entity=None
        )
    for entity in legal_entities:
        StaffMembership.objects.get_or_create(
            user=user, organisation_id=entity.organisation_id, legal_entity=entity
        )
    for attr in ("_staff_role_names", "_staff_entity_ids"):
        user.__dict__.pop(attr, None)
    return user


# --- Reading a user's roles and scope (cached on the user object for one HTTP request) -------


def role_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if "_staff_role_names" not in user.__dict__:
        user.__dict__["_staff_role_names"] = frozenset(user.groups.values_list("name", flat=True))
    return user.__dict__["_staff_role_names"]


def sees_all(user) -> bool:
    """Superusers and administrators see every company."""
    return bool(getattr(user, "is_superuser", False)) or ADMINISTRATOR in role_names(user)


def is_dpo(user) -> bool:
    return sees_all(user) or DPO in role_names(user)


def entity_ids(user) -> frozenset[int] | None:
    """The ids of the legal entities the user may see; None means all of them."""
    if sees_all(user):
        return None
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return frozenset()
    if "_staff_entity_ids" not in user.__dict__:
        memberships = StaffMembership.objects.filter(user_id=user.pk)
        ids = LegalEntity.objects.filter(
            Q(pk__in=memberships.filter(legal_entity__isnull=False).values("legal_entity_id"))
            | Q(
                organisation_id__in=memberships.filter(legal_entity__isnull=True).values(
                    "organisation_id"
                )
            )
        ).values_list("pk", flat=True)
        user.__dict__["_staff_entity_ids"] = frozenset(ids)
    return user.__dict__["_staff_entity_ids"]


def scope_by_entity(queryset: QuerySet, user, entity_path: str = "legal_entity") -> QuerySet:
    """Filter a queryset to rows whose legal entity (at `entity_path`) the user may see."""
    ids = entity_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{entity_path}__in": sorted(ids)})


def scope_requests(queryset: QuerySet, user) -> QuerySet:
    return scope_by_entity(queryset, user, "legal_entity")


def scope_subjects(queryset: QuerySet, user) -> QuerySet:
    """Subjects with at least one request at a company the user may see."""
    from .models import RightsRequest

    ids = entity_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(
        Exists(RightsRequest.objects.filter(subject=OuterRef("pk"), legal_entity__in=sorted(ids)))
    )


def scope_submissions(queryset: QuerySet, user) -> QuerySet:
    from .models import RightsRequest

    ids = entity_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(
        Exists(
            RightsRequest.objects.filter(submission=OuterRef("pk"), legal_entity__in=sorted(ids))
        )
    )


def can_see_request(user, request) -> bool:
    ids = entity_ids(user)
    return ids is None or request.legal_entity_id in ids


def visible_entities(user) -> QuerySet:
    return scope_by_entity(LegalEntity.objects.select_related("organisation"), user, "pk")


def visible_organisations(user) -> QuerySet:
    ids = entity_ids(user)
    if ids is None:
        return Organisation.objects.all()
    return Organisation.objects.filter(legal_entities__in=sorted(ids)).distinct()
