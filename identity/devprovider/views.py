"""The demonstration provider mounted inside the portal, for `make run` in development.

The provider keeps its sign-ins in memory, so it needs the portal to run as one
process (runserver, or one worker); the portal's own calls to it stay in that process
(identity/devprovider/transport.py).

identity/urls.py adds these routes only when DEBUG and DEV_EID_ENABLED are both on,
and the view checks again on every request, so a production installation (DEBUG off)
cannot serve it even if DEV_EID_ENABLED were set (identity/checks.py reports that as
an error).
"""

from __future__ import annotations

import io
import json
import os
import threading

from django.conf import settings
from django.http import Http404, HttpResponse
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt
from joserfc.jwk import RSAKey

from identity.devprovider.app import Client, DevOpenIDProvider, generate_signing_key
from identity.oidc import DEV_CLIENT_ID, dev_client_secret, dev_issuer, dev_provider_enabled

_lock = threading.Lock()
_provider: DevOpenIDProvider | None = None


def _signing_key() -> RSAKey:
    """Load the demo signing key from VAR_DIR, or create it (so restarts keep it)."""
    path = settings.VAR_DIR / "dev-eid" / "signing-key.json"
    if not path.exists():
        key = generate_signing_key()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process was quicker: use its key
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                json.dump(key.as_dict(private=True), handle)
            return key
    return RSAKey.import_key(json.loads(path.read_text()))


def mounted_provider() -> DevOpenIDProvider:
    global _provider
    with _lock:
        if _provider is None:
            _provider = DevOpenIDProvider(
                clients=[Client(DEV_CLIENT_ID, dev_client_secret(), same_origin_redirects=True)],
                signing_key=_signing_key(),
                personal_number_claim=getattr(
                    settings, "OIDC_PERSONAL_NUMBER_CLAIM", "personal_number"
                ),
                stylesheet=static("css/portal.css"),
            )
        return _provider


@csrf_exempt
def dev_eid(request, subpath: str = ""):
    """Hand the request to the WSGI provider, under the issuer's path."""
    if not dev_provider_enabled():
        raise Http404
    issuer = dev_issuer(request)
    body = request.body
    environ = dict(request.environ)
    environ.update(
        {
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "PATH_INFO": "/" + subpath,
            "devprovider.issuer": issuer,
        }
    )
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers

    content = b"".join(mounted_provider()(environ, start_response))
    response = HttpResponse(content, status=int(captured["status"].split()[0]))
    for name, value in captured["headers"]:
        if name.lower() != "content-length":
            response[name] = value
    return response
