"""Authorisation matrix: every URL of the project, requested as every persona.

The URL patterns come from the resolver, so a new address cannot slip by: one that has
no entry in EXPECTATIONS fails `test_every_url_has_an_expectation`, naming it. Each entry
fills the pattern's parameters with objects of customer A (a customer of Kalmar Energi
Elnät) and says what each persona must get:

    anonymous    nobody signed in
    customer_a   A, signed in (owns the request, the files, the submission)
    customer_b   another customer of Elnät, signed in
    other_staff  customer service of Landskrona Energi (another company)
    staff        customer service of Kalmar Energi Elnät (A's company)
    dpo          the DPO of Kalmar Energi
    system       an API client of Elnät; other_system one of Landskrona

Where the existence of a thing is itself personal (a request, a file, a person) the
answer for those it does not concern is "not found", never "forbidden". Every page a
persona may see is also searched for other people's references and names.
"""

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from tests.security.authz import (
    ADMIN_HIDDEN,
    ADMIN_LOGIN,
    BAD,
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    PERSONAS,
    REDIRECT,
    UNAUTHORISED,
    Entry,
    all_routes,
    classify,
)

STAFF = ("other_staff", "staff", "dpo")
NON_STAFF = ("anonymous", "customer_a", "customer_b", "system", "other_system")
CUSTOMERS = ("customer_a", "customer_b")
# Refused without saying whether the thing exists: the admin's "does not exist" redirect
# or a 404, the same as for an id that does not exist.
HIDDEN = {NOT_FOUND, ADMIN_HIDDEN}
# Refused for want of a permission (or hidden, whichever the admin checks first).
DENIED = {FORBIDDEN, NOT_FOUND, ADMIN_HIDDEN}


def ref_a(world):
    return world.request_a.reference


def everyone(outcome, **overrides):
    return Entry(default=outcome, expect=overrides)


def customer_page(path=None, *, owner_only=True, **overrides):
    """A portal page behind the customer sign-in."""
    expect = {"customer_a": OK, "customer_b": NOT_FOUND if owner_only else OK, **overrides}
    return Entry(path=path, default=LOGIN, expect=expect)


def system_api(path=None, *, scoped=True, **overrides):
    """An API operation for systems (token); A's objects belong to Elnät."""
    expect = {"system": OK, "other_system": NOT_FOUND if scoped else OK, **overrides}
    return Entry(path=path, default=UNAUTHORISED, expect=expect)


def admin_page(path=None, **staff_outcomes):
    """A page of the staff admin: everyone else is sent to the staff sign-in."""
    return Entry(path=path, default=ADMIN_LOGIN, expect=staff_outcomes)


# --- The admin's model pages ----------------------------------------------------------------

# model -> (staff personas with the view permission, staff personas whose companies the
# object belongs to). A's objects belong to Elnät (staff, dpo); configuration that is
# not personal (organisations, companies) is visible to all staff who may view it.
ADMIN_MODELS = {
    "rights_requests.rightsrequest": (STAFF, ("staff", "dpo")),
    "rights_requests.datasubject": (STAFF, ("staff", "dpo")),
    "rights_requests.submission": (STAFF, ("staff", "dpo")),
    "rights_requests.requestevent": (STAFF, ("staff", "dpo")),
    "rights_requests.message": (STAFF, ("staff", "dpo")),
    "rights_requests.artifact": (STAFF, ("staff", "dpo")),
    # The background work: the DPO reads it (of their organisation) and tries failed work again.
    "rights_requests.outbox": (("dpo",), ("staff", "dpo")),
    "datamap.manualtask": (STAFF, ("staff", "dpo")),
    # Recipients to be told of a change (Art. 19): staff of the request's company give them.
    "rights_requests.recipientnotice": (STAFF, ("staff", "dpo")),
    "datamap.organisation": (STAFF, STAFF),
    "datamap.legalentity": (STAFF, STAFF),
    "datamap.purpose": (("dpo",), STAFF),
    "datamap.datacategory": (("dpo",), STAFF),
    "datamap.legalbasis": (("dpo",), STAFF),
    "datamap.recipient": (("dpo",), STAFF),
    "datamap.system": (("dpo",), STAFF),
    "datamap.processingactivity": (("dpo",), STAFF),
    # The DPO reads the consent ledgers and keeps retention rules and legal holds (of
    # their organisation); customer service sees none of it.
    "consent.consentpurpose": (("dpo",), ("staff", "dpo")),
    "consent.consenttext": (("dpo",), ("staff", "dpo")),
    "consent.consentrecord": (("dpo",), ("staff", "dpo")),
    "consent.suppression": (("dpo",), STAFF),
    "retention.retentionrule": (("dpo",), ("staff", "dpo")),
    "retention.legalhold": (("dpo",), ("staff", "dpo")),
    "retention.retentionrun": (("dpo",), STAFF),
    # Accounts and second factors: administrators only.
    "auth.user": ((), ()),
    "identity.apiclient": ((), ()),
    "auth.group": ((), ()),
    "otp_totp.totpdevice": ((), ()),
    "otp_static.staticdevice": ((), ()),
}


# Models some staff may add to (others: administrators only).
ADDERS = {"retention.legalhold": ("dpo",)}


def admin_model_entries(model: str, viewers, in_scope) -> dict[str, Entry]:
    app, name = model.split(".")
    base = f"admin/{app}/{name}/"

    def object_id(world):
        return world.admin_ids[model]

    def view_outcome(persona):
        if persona not in viewers:
            return DENIED
        return OK if persona in in_scope else HIDDEN

    viewing = {p: view_outcome(p) for p in STAFF}
    return {
        base: admin_page(**{p: OK if p in viewers else FORBIDDEN for p in STAFF}),
        f"{base}add/": admin_page(
            **{p: OK if p in ADDERS.get(model, ()) else FORBIDDEN for p in STAFF}
        ),
        f"{base}<path:object_id>/change/": admin_page({"object_id": object_id}, **viewing),
        f"{base}<path:object_id>/history/": admin_page({"object_id": object_id}, **viewing),
        # Nobody but an administrator deletes anything.
        f"{base}<path:object_id>/delete/": admin_page(
            {"object_id": object_id}, **dict.fromkeys(STAFF, DENIED)
        ),
        # Django's old-style address: a plain redirect to change/, which checks.
        f"{base}<path:object_id>/": admin_page(
            {"object_id": object_id}, **dict.fromkeys(STAFF, REDIRECT)
        ),
    }


# --- The table --------------------------------------------------------------------------------

EXPECTATIONS: dict[str, Entry] = {
    # Site shell.
    "": everyone(OK),
    "health/": everyone(OK),
    "i18n/setlang/": everyone(REDIRECT, why="GET only redirects back; POST sets the language"),
    # Sign-in (identity/): public pages; the flows refuse a bare GET.
    "identity/": everyone(OK),
    "identity/code/": everyone(OK),
    "identity/code/verify/": everyone(REDIRECT, why="no code was asked for: back to the start"),
    "identity/eid/start/": everyone(NOT_ALLOWED),
    "identity/eid/callback/": everyone(BAD, why="no sign-in in progress"),
    "identity/logout/": everyone(NOT_ALLOWED),
    # The customer portal.
    "org/<slug:slug>/": Entry(path={"slug": "kalmar-energi"}, default=OK),
    "org/<slug:slug>/file/": customer_page({"slug": "kalmar-energi"}, owner_only=False),
    "requests/": customer_page(owner_only=False),
    "requests/<str:reference>/": customer_page({"reference": ref_a}),
    "requests/<str:reference>/withdraw/": customer_page({"reference": ref_a}),
    "requests/<str:reference>/files/<int:artifact_id>/": customer_page(
        {"reference": ref_a, "artifact_id": lambda w: w.artifact_a.pk}
    ),
    "submissions/<int:pk>/": customer_page({"pk": lambda w: w.request_a.submission_id}),
    "consent/": customer_page(owner_only=False),
    # The API.
    "api/schema/": everyone(OK),
    "api/docs/": everyone(OK),
    "api/v1/[not-found]": Entry(path="/api/v1/no-such-thing/", default=NOT_FOUND),
    "api/v1/requests/": system_api(scoped=False),
    "api/v1/requests/<str:reference>/": system_api({"reference": ref_a}),
    "api/v1/requests/<str:reference>/messages/": system_api({"reference": ref_a}),
    "api/v1/requests/<str:reference>/files/": system_api({"reference": ref_a}),
    "api/v1/requests/<str:reference>/files/<int:file_id>/": system_api(
        {"reference": ref_a, "file_id": lambda w: w.artifact_a.pk}
    ),
    "api/v1/requests/<str:reference>/files/<int:file_id>/download/": system_api(
        {"reference": ref_a, "file_id": lambda w: w.artifact_a.pk}
    ),
    "api/v1/consents/lookup/": system_api(
        scoped=False, system=NOT_ALLOWED, other_system=NOT_ALLOWED, why="POST only"
    ),
    "api/v1/suppressions/": system_api(scoped=False),
    "api/v1/me/requests/": Entry(default=UNAUTHORISED, expect=dict.fromkeys(CUSTOMERS, OK)),
    "api/v1/me/requests/<str:reference>/": Entry(
        path={"reference": ref_a},
        default=UNAUTHORISED,
        expect={"customer_a": OK, "customer_b": NOT_FOUND},
    ),
    # The staff admin: its own pages.
    "admin/": admin_page(**dict.fromkeys(STAFF, OK)),
    "admin/[app_list]": admin_page("/admin/rights_requests/", **dict.fromkeys(STAFF, OK)),
    "admin/[catch_all_view]": admin_page("/admin/no-such-page/", **dict.fromkeys(STAFF, NOT_FOUND)),
    "admin/login/": Entry(
        default=OK, expect=dict.fromkeys(STAFF, ADMIN_HIDDEN), why="signed-in staff go to the index"
    ),
    "admin/logout/": Entry(
        default=ADMIN_HIDDEN, expect=dict.fromkeys(STAFF, NOT_ALLOWED), why="POST only"
    ),
    "admin/jsi18n/": admin_page(**dict.fromkeys(STAFF, OK)),
    "admin/autocomplete/": admin_page(**dict.fromkeys(STAFF, FORBIDDEN)),
    "admin/password_change/": admin_page(**dict.fromkeys(STAFF, OK)),
    "admin/password_change/done/": admin_page(**dict.fromkeys(STAFF, OK)),
    "admin/r/<path:content_type_id>/<path:object_id>/": admin_page(
        {
            "content_type_id": lambda w: _content_type_id("rights_requests", "rightsrequest"),
            "object_id": lambda w: w.request_a.pk,
        },
        **dict.fromkeys(STAFF, NOT_FOUND),
        why="requests have no public page to send anyone to",
    ),
    "admin/otp/enrol/": admin_page(**dict.fromkeys(STAFF, ADMIN_HIDDEN), why="already enrolled"),
    "admin/otp/recovery-codes/": admin_page(**dict.fromkeys(STAFF, OK)),
    "admin/dashboard/": admin_page(other_staff=FORBIDDEN, staff=FORBIDDEN, dpo=OK),
    "admin/dashboard/open-requests.csv": admin_page(other_staff=FORBIDDEN, staff=FORBIDDEN, dpo=OK),
    "admin/dashboard/report.pdf": admin_page(other_staff=FORBIDDEN, staff=FORBIDDEN, dpo=OK),
    "admin/rights_requests/rightsrequest/register/": admin_page(**dict.fromkeys(STAFF, OK)),
    "admin/rights_requests/rightsrequest/<int:object_id>/act/<slug:action>/": admin_page(
        {"object_id": lambda w: w.request_a.pk, "action": "assign"},
        **dict.fromkeys(STAFF, NOT_ALLOWED),
        why="POST only; see test_staff_of_another_company_cannot_act_on_a_request",
    ),
    "admin/rights_requests/rightsrequest/<int:object_id>/personal-number/": admin_page(
        {"object_id": lambda w: w.request_a.pk},
        **dict.fromkeys(STAFF, NOT_ALLOWED),
        why="POST only",
    ),
    "admin/rights_requests/rightsrequest/<int:object_id>/files/<int:artifact_id>/": admin_page(
        {"object_id": lambda w: w.request_a.pk, "artifact_id": lambda w: w.artifact_a.pk},
        other_staff=NOT_FOUND,
        staff=OK,
        dpo=OK,
    ),
    "admin/fulfilment/<int:object_id>/rectify/": admin_page(
        {"object_id": lambda w: w.rectification_a.pk}, other_staff=NOT_FOUND, staff=OK, dpo=OK
    ),
    "admin/fulfilment/<int:object_id>/restriction/": admin_page(
        {"object_id": lambda w: w.rectification_a.pk}, other_staff=NOT_FOUND, staff=OK, dpo=OK
    ),
    "admin/auth/user/<id>/password/": admin_page(
        {"id": lambda w: w.users["dpo"].pk}, **dict.fromkeys(STAFF, DENIED)
    ),
    "admin/otp_totp/totpdevice/<int:pk>/config/": admin_page(
        {"pk": lambda w: w.admin_ids["otp_totp.totpdevice"]}, **dict.fromkeys(STAFF, DENIED)
    ),
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/": admin_page(
        {"pk": lambda w: w.admin_ids["otp_totp.totpdevice"]}, **dict.fromkeys(STAFF, DENIED)
    ),
}
for _model, (_viewers, _in_scope) in ADMIN_MODELS.items():
    EXPECTATIONS.update(admin_model_entries(_model, _viewers, _in_scope))


# Defects found by this matrix in other parts, reported to their owners. Each must still
# be a defect (the test says so when it is fixed, so that the line is removed).
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def _content_type_id(app_label, model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get(app_label=app_label, model=model).pk


@pytest.fixture
def no_throttles():
    """Every persona but the systems comes from one address; rate limits are tested elsewhere."""
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = dict.fromkeys(original, "100000/min")
    cache.clear()
    yield
    SimpleRateThrottle.THROTTLE_RATES = original


def test_every_url_has_an_expectation():
    routes = set(all_routes())
    missing = sorted(routes - set(EXPECTATIONS))
    stale = sorted(set(EXPECTATIONS) - routes)

    assert not missing, (
        "URL patterns without an entry in tests/security/test_authz_matrix.py EXPECTATIONS "
        "(say what each persona must get):\n  " + "\n  ".join(missing)
    )
    assert not stale, "EXPECTATIONS for URL patterns that no longer exist:\n  " + "\n  ".join(stale)


def test_nobody_gets_what_is_not_theirs(world, persona_clients, no_throttles):
    clients = persona_clients()
    wrong, leaks, fixed = [], [], []
    for route in sorted(set(all_routes()) & set(EXPECTATIONS)):
        entry = EXPECTATIONS[route]
        address = entry.address(route, world)
        for persona in PERSONAS:
            response = getattr(clients[persona], entry.method)(address, entry.data or {})
            got = classify(response)
            expected = entry.outcome_for(persona)
            defect = KNOWN_DEFECTS.get((route, persona))
            if got not in expected:
                if defect is None:
                    wrong.append(
                        f"{persona:12} {address}: got {got}, expected {'/'.join(sorted(expected))}"
                    )
            elif defect is not None:
                fixed.append(
                    f"{route} as {persona}: fixed ({defect}); remove it from KNOWN_DEFECTS"
                )
            if got == OK and _is_text(response):
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                text = body.decode("utf-8", "replace")
                for foreign in world.foreign(persona):
                    if foreign in text:
                        leaks.append(f"{persona:12} {address}: shows {foreign!r}")

    assert not wrong, "Unexpected answers:\n  " + "\n  ".join(wrong)
    assert not leaks, "Other people's data shown:\n  " + "\n  ".join(leaks)
    assert not fixed, "\n".join(fixed)


def _is_text(response) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.startswith(("text/", "application/json"))
