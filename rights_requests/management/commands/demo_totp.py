"""Print a staff user's current sign-in code, for the demo (`make run`) only.

    DEBUG=true python manage.py demo_totp kundtjanst.elnat

Creates a confirmed TOTP device when the user has none, prints its key (to add to an
authenticator app) and the code valid now. Refused unless DEBUG is on: in production a
second factor printed on a server console would be no second factor.
"""

import base64

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print a staff user's current TOTP code (DEBUG only; for the demo)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp works only with DEBUG=true (demo installations).")
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
            self.stdout.write(f"Created a TOTP device for {username}.")
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"key (for an authenticator app): {secret}")
        self.stdout.write(f"otpauth URL: {device.config_url}")
        self.stdout.write(
            f"code now: {totp.token():0{device.digits}d} (valid about {device.step}s)"
        )
