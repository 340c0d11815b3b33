"""System checks: the demonstration e-identification must never run in production."""

from authlib.common.security import is_secure_transport
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=False)
def check_dev_eid(app_configs=None, **kwargs):
    errors = []
    if getattr(settings, "DEV_EID_ENABLED", False) and not settings.DEBUG:
        errors.append(
            checks.Error(
                "DEV_EID_ENABLED is on while DEBUG is off.",
                hint="The test e-identification signs anyone in as anyone. Unset DEV_EID_ENABLED "
                "and configure OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.",
                id="identity.E001",
            )
        )
    if getattr(settings, "OIDC_ISSUER", ""):
        missing = [
            name
            for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
            if not getattr(settings, name, "")
        ]
        if missing:
            errors.append(
                checks.Error(
                    f"OIDC_ISSUER is set but {', '.join(missing)} is empty.",
                    hint="Set the client credentials the e-identification broker issued.",
                    id="identity.E002",
                )
            )
        if not settings.DEBUG and not is_secure_transport(settings.OIDC_ISSUER):
            errors.append(
                checks.Error(
                    "OIDC_ISSUER must be an https:// URL when DEBUG is off (plain http only on loopback).",
                    id="identity.E003",
                )
            )
    return errors
