"""Customer sign-in pages. Thin: the work is in identity.session, .oidc and .email_code."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from identity import email_code, oidc
from identity.forms import EmailCodeRequestForm, EmailCodeVerifyForm
from identity.ratelimit import client_ip
from identity.session import (
    current_identity,
    login_customer,
    logout_customer,
    pop_timed_out,
    safe_next_url,
    signed_in_until,
)

logger = logging.getLogger(__name__)

CHALLENGE_KEY = "identity.email_challenge"

EID_MESSAGES = {
    oidc.EidError.CANCELLED: gettext_lazy("You cancelled the sign-in. Nothing has been saved."),
    oidc.EidError.EXPIRED: gettext_lazy(
        "The sign-in took too long or was started in another window. Please start again."
    ),
    oidc.EidError.FAILED: gettext_lazy(
        "We could not confirm the answer from the e-identification service. Please try again."
    ),
    oidc.EidError.NO_PERSONAL_NUMBER: gettext_lazy(
        "The e-identification did not give us a Swedish personal identity number, so we "
        "cannot find your data with it. Please use another way to sign in."
    ),
    oidc.EidError.UNAVAILABLE: gettext_lazy(
        "The e-identification service cannot be reached at the moment. Please try again "
        "later, or sign in with a code by e-mail."
    ),
}


def _next(request, source) -> str:
    return safe_next_url(request, source.get("next"))


@never_cache
@require_safe
def login(request):
    """Offer the ways to sign in, and the alternatives for people who have neither."""
    config = oidc.provider_config(request)
    return render(
        request,
        "identity/login.html",
        {
            "next_url": _next(request, request.GET),
            "identity": current_identity(request),
            "eid_available": config is not None,
            "eid_demo": bool(config and config.demo),
            "timed_out": pop_timed_out(request),
            "signed_in_until": signed_in_until(request),
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        },
    )


@never_cache
@require_POST
def eid_start(request):
    """Send the browser to the e-identification provider."""
    next_url = _next(request, request.POST)
    try:
        return redirect(oidc.begin(request, next_url=next_url))
    except oidc.EidError as exc:
        logger.warning("e-identification could not start: %s", exc)
        return _eid_error(request, exc, next_url)


@never_cache
@require_GET
def eid_callback(request):
    """Finish the e-identification and sign the customer in."""
    # The callback address is the one registered with the provider, in the default
    # language; an error page speaks the language the sign-in started in.
    pending = oidc.pending_entry(request, request.GET.get("state", ""))
    try:
        identity, number, next_url = oidc.complete(request)
    except oidc.EidError as exc:
        logger.warning("e-identification failed: %s", exc)
        with translation.override(pending.get("language") or translation.get_language()):
            return _eid_error(request, exc, safe_next_url(request, pending.get("next")))
    login_customer(request, identity, number)
    return redirect(safe_next_url(request, next_url))


def _eid_error(request, exc: oidc.EidError, next_url: str):
    status = 503 if exc.reason == oidc.EidError.UNAVAILABLE else 400
    return render(
        request,
        "identity/eid_error.html",
        {
            "message": EID_MESSAGES.get(exc.reason, EID_MESSAGES[oidc.EidError.FAILED]),
            "next_url": next_url,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def email_start(request):
    """Ask for personal number and e-mail address, and send a code."""
    next_url = _next(request, request.POST if request.method == "POST" else request.GET)
    status = 200
    form = EmailCodeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        challenge_id, status = _send_code(request, form)
        if challenge_id:
            request.session[CHALLENGE_KEY] = {
                "id": challenge_id,
                "email": email_code.mask_email(email),
                "next": next_url,
            }
            return redirect("identity:email_verify")
    elif request.method == "POST":
        status = 400
    return render(
        request, "identity/email_start.html", {"form": form, "next_url": next_url}, status=status
    )


def _send_code(request, form) -> tuple[str | None, int]:
    """Send the code; return (challenge id, HTTP status). Errors go onto the form."""
    if form.is_bot():
        # Say the same as to a person, and send nothing.
        logger.info("honeypot filled on the e-mail code form")
        return str(uuid.uuid4()), 200
    try:
        challenge = email_code.request_code(
            personal_number=form.cleaned_data["personal_number"],
            email=form.cleaned_data["email"],
            client_ip=client_ip(request),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    except email_code.CodeRequestLimited:
        form.add_error(
            None,
            _(
                "Too many codes have been asked for. Please try again later, or "
                "choose another way to sign in."
            ),
        )
        return None, 429
    except email_code.CodeDeliveryFailed:
        form.add_error(
            None, _("We could not send the e-mail just now. Please try again in a while.")
        )
        return None, 503
    return str(challenge.pk), 200


@never_cache
@require_http_methods(["GET", "POST"])
def email_verify(request):
    """Take the code and sign the customer in."""
    pending = request.session.get(CHALLENGE_KEY)
    if not isinstance(pending, dict):
        return redirect("identity:email_start")
    form = EmailCodeVerifyForm(request.POST or None)
    status, restart = 200, False
    if request.method == "POST" and form.is_valid():
        try:
            result = email_code.verify_code(pending["id"], form.cleaned_data["code"])
        except email_code.CodeNotAccepted as exc:
            status = 400
            if exc.reason == exc.WRONG:
                form.add_error(
                    "code",
                    translation.ngettext(
                        "The code is not right. You can try %(count)d more time.",
                        "The code is not right. You can try %(count)d more times.",
                        exc.attempts_left,
                    )
                    % {"count": exc.attempts_left},
                )
            else:
                restart = True
                request.session.pop(CHALLENGE_KEY, None)
                form.add_error(
                    None,
                    _("The code has expired.")
                    if exc.reason == exc.EXPIRED
                    else _("The code can no longer be used."),
                )
        else:
            request.session.pop(CHALLENGE_KEY, None)
            login_customer(request, result.identity, result.personal_number)
            return redirect(safe_next_url(request, pending.get("next")))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "identity/email_verify.html",
        {
            "form": form,
            "masked_email": pending.get("email", ""),
            "restart": restart,
            "restart_url": f"{reverse('identity:email_start')}",
        },
        status=status,
    )


@require_POST
def logout(request):
    signed_in = current_identity(request) is not None
    logout_customer(request)
    next_url = safe_next_url(request, request.POST.get("next"))
    if signed_in:  # said on the next page, in its language, so that the customer knows
        language = translation.get_language_from_path(next_url) or settings.LANGUAGE_CODE
        with translation.override(language):
            messages.info(request, _("You are signed out."))
    return redirect(next_url)
