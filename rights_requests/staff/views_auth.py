"""Enrolment of a staff member's second factor (a TOTP app), with recovery codes."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login

from .auth import EnrolForm, has_confirmed_device, new_recovery_codes, start_totp_enrolment


def _qr_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _secret_b32(device) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@csrf_protect
def enrol(request, site):
    """Show the QR code of a new TOTP device and confirm it with one code from the app.

    Open only to a signed-in staff member without a confirmed device: once a device is
    confirmed, a lost phone is handled with a recovery code or by an administrator.
    """
    user = request.user
    index = reverse("admin:index", current_app=site.name)
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_login(
            request.get_full_path(), reverse("admin:login", current_app=site.name)
        )
    if has_confirmed_device(user):
        return HttpResponseRedirect(index)
    device = start_totp_enrolment(user)
    form = EnrolForm(request.POST or None, device=device)
    context = {**site.each_context(request), "title": "Two-factor sign-in", "form": form}
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(user)
        otp_login(request, device)
        context.update({"recovery_codes": codes, "continue_url": index})
        response = TemplateResponse(request, "admin/staff_enrol_done.html", context)
        response["Cache-Control"] = "no-store"
        return response
    context.update({"qr_data_uri": _qr_data_uri(device.config_url), "secret": _secret_b32(device)})
    return TemplateResponse(request, "admin/staff_enrol.html", context)


@never_cache
@csrf_protect
def recovery_codes(request, site):
    """Replace a verified staff member's recovery codes (the old ones stop working)."""
    if request.method != "POST":
        context = {**site.each_context(request), "title": _("Recovery codes")}
        return TemplateResponse(request, "admin/staff_recovery_codes.html", context)
    codes = new_recovery_codes(request.user)
    context = {
        **site.each_context(request),
        "title": _("Recovery codes"),
        "recovery_codes": codes,
        "continue_url": reverse("admin:index", current_app=site.name),
    }
    response = TemplateResponse(request, "admin/staff_enrol_done.html", context)
    response["Cache-Control"] = "no-store"
    return response
