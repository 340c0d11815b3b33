"""The customer's consent page: see each purpose, its text and state; grant or withdraw.

Thin: the ledger is written by consent.services. Withdrawing is one button, like
granting (GDPR Art. 7(3)), and works at every sign-in level: saying no can harm nobody.
Seeing the current choices and granting need a sign-in at least at the "substantial"
level, so that nobody signs someone else up for mailings or learns their choices with
only a code to an e-mail address of their own (Art. 7(1): the controller must be able
to show that the person consented).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from identity.levels import IdentityLevel, satisfies
from identity.session import customer_login_required

from . import services
from .models import ConsentPurpose, ConsentRecord

LEVEL_TO_SEE_AND_GRANT = IdentityLevel.SUBSTANTIAL


def _evidence(request, text) -> dict:
    """What shows that this person made this choice (Art. 7(1)); no IP address is kept."""
    identity = request.customer
    return {
        "via": "portal consent page",
        "identity_level": str(identity.level),
        "identity_method": str(identity.method),
        "signed_in_at": identity.verified_at.isoformat(),
        "language": get_language(),
        "text_version": text.version if text else None,
    }


@customer_login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mine(request):
    identity = request.customer
    may_see = satisfies(identity.level, LEVEL_TO_SEE_AND_GRANT)
    if request.method == "POST":
        return _change(request, may_see)
    purposes = list(
        ConsentPurpose.objects.filter(active=True)
        .select_related("organisation")
        .prefetch_related("texts")
    )
    states = services.current_consents(identity.personal_number_hash) if may_see else {}
    groups: dict = {}
    now = timezone.now()
    for purpose in purposes:
        text = max(
            (t for t in purpose.texts.all() if t.valid_from <= now),
            key=lambda t: (t.valid_from, t.version),
            default=None,
        )
        groups.setdefault(purpose.organisation, []).append(
            {"purpose": purpose, "text": text, "state": states.get(purpose.code)}
        )
    return render(
        request,
        "consent/mine.html",
        {"groups": list(groups.items()), "may_see": may_see, "identity": identity},
    )


def _change(request, may_see):
    purpose = get_object_or_404(ConsentPurpose, code=request.POST.get("purpose", ""), active=True)
    action = request.POST.get("action")
    text = services.current_text(purpose)
    hash_ = request.customer.personal_number_hash
    if action == ConsentRecord.Action.WITHDRAW:
        services.withdraw(
            hash_,
            purpose,
            channel=ConsentRecord.Channel.PORTAL,
            text_version=text.version if text else None,
            evidence=_evidence(request, text),
        )
        messages.success(
            request,
            _("You have withdrawn your consent to “%(purpose)s”. It applies from now on.")
            % {"purpose": purpose.name},
        )
    elif action == ConsentRecord.Action.GRANT and may_see:
        try:
            services.grant(
                hash_,
                purpose,
                channel=ConsentRecord.Channel.PORTAL,
                text_version=text.version if text else None,
                evidence=_evidence(request, text),
            )
        except services.SuppressedError:
            messages.error(request, _("Your choice could not be saved."))
        else:
            messages.success(
                request,
                _("Thank you. You have consented to “%(purpose)s”.") % {"purpose": purpose.name},
            )
    else:
        return render(request, "consent/refused.html", status=403)
    return redirect(reverse("consent:mine") + f"#purpose-{purpose.code}")
