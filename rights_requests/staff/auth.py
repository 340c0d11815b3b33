"""Staff sign-in: password, then a second factor (TOTP or a recovery code), with a lockout.

- A username with `STAFF_LOCKOUT_FAILURES` failed attempts (wrong password or wrong code)
  within `STAFF_LOCKOUT_MINUTES` is refused, even with the right password, until the
  window has passed. Failures are rows in the database, so every web process agrees.
- A staff member without a confirmed device signs in with the password alone into a
  session that is not verified; the admin then sends them to enrol a TOTP app and hands
  them recovery codes (`views_auth.enrol`). Nothing else in the admin opens until then.
"""

import datetime
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp import devices_for_user, match_token
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from datamap.models import StaffLoginFailure


def _window_start(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(minutes=settings.STAFF_LOCKOUT_MINUTES)


def is_locked_out(username: str, *, now: datetime.datetime | None = None) -> bool:
    return (
        StaffLoginFailure.objects.filter(
            username=username.lower(), at__gte=_window_start(now)
        ).count()
        >= settings.STAFF_LOCKOUT_FAILURES
    )


def record_failure(username: str, *, stage: str, remote_addr: str | None = None) -> None:
    # Rows older than a day count for nothing; drop them so guessed usernames do not pile up.
    StaffLoginFailure.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    StaffLoginFailure.objects.create(
        username=username.lower()[:150], at=timezone.now(), stage=stage, remote_addr=remote_addr
    )


def clear_failures(username: str) -> None:
    StaffLoginFailure.objects.filter(username=username.lower()).delete()


def has_confirmed_device(user) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


class StaffAuthenticationForm(OTPAdminAuthenticationForm):
    """The admin's sign-in form: lockout, password, then the code from the user's device."""

    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "locked_out": _(
            "Too many failed sign-in attempts. Try again in %(minutes)d minutes or ask an "
            "administrator."
        ),
    }

    # django-otp has no Swedish: the messages a staff member can meet, in our words.
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("Enter the code from your authenticator app or a recovery code."),
        "invalid_token": _("The code is wrong or has expired. Enter the code the app shows now."),
        "n_failed_attempts": ngettext_lazy(
            "Codes are not accepted for a while after %(failure_count)d failed attempt; "
            "try again soon.",
            "Codes are not accepted for a while after %(failure_count)d failed attempts; "
            "try again soon.",
            "failure_count",
        ),
        "verification_not_allowed": _("Codes are not accepted at the moment; try again soon."),
    }

    otp_token = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def _verify_token(self, user, token, device=None):
        """Try the code against each of the user's devices (the app, then recovery codes).

        The form asks for no device choice: one field takes either kind of code.
        """
        if device is not None:
            return super()._verify_token(user, token, device)
        matched = match_token(user, token.strip())
        if matched is None:
            raise forms.ValidationError(
                self.otp_error_messages["invalid_token"], code="invalid_token"
            )
        return matched

    def _remote_addr(self) -> str | None:
        return self.request.META.get("REMOTE_ADDR") if self.request else None

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        if is_locked_out(username):
            raise forms.ValidationError(
                self.error_messages["locked_out"],
                code="locked_out",
                params={"minutes": settings.STAFF_LOCKOUT_MINUTES},
            )
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            record_failure(username, stage="password", remote_addr=self._remote_addr())
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        if has_confirmed_device(self.user_cache):
            try:
                self.clean_otp(self.user_cache)
            except forms.ValidationError:
                if self.cleaned_data.get("otp_token"):
                    record_failure(username, stage="otp", remote_addr=self._remote_addr())
                raise
        else:
            # First sign-in: no device yet. The session stays unverified and the site
            # sends the user to enrolment before anything else.
            self.user_cache.otp_device = None
        clear_failures(username)
        return self.cleaned_data


# --- Enrolment -------------------------------------------------------------------------------


def start_totp_enrolment(user) -> TOTPDevice:
    """Return the user's pending (unconfirmed) TOTP device, creating one if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh single-use ones; return them once."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name="Recovery codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [
            f"{secrets.randbelow(10**4):04d}-{secrets.randbelow(10**4):04d}"
            for _i in range(settings.STAFF_RECOVERY_CODES)
        ]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


class EnrolForm(forms.Form):
    token = forms.CharField(
        label=_("The six-digit code your app shows now"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                _("That code does not match. Check the time on your phone.")
            )
        return token
