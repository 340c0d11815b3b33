"""Customer sign-in pages. Thin: the work is in identity.session, .oidc and .email_code."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from identity.session import current_identity, logout_customer, safe_next_url


@never_cache
def login(request):
    """Offer the ways to sign in, and the alternatives for people who have neither."""
    next_url = safe_next_url(request, request.GET.get("next"))
    return render(
        request,
        "identity/login.html",
        {"next_url": next_url, "identity": current_identity(request)},
    )


@require_POST
def logout(request):
    logout_customer(request)
    return redirect(safe_next_url(request, request.POST.get("next")))
