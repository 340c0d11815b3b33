"""Back-channel calls to the mounted demo provider, handed to it inside the process.

When the portal mounts the demo provider (`make run`), the browser reaches it over
real HTTP, but the portal's own calls to it (discovery, token, JWKS, userinfo) go
through this requests adapter straight to the WSGI application. The portal then does
not depend on reaching itself over the network, which fails with a single-threaded
server, or in a container whose public address differs from its own.

The provider sees an ordinary WSGI request either way; nothing is mocked.
"""

from __future__ import annotations

import io
import sys
from http import HTTPStatus
from urllib.parse import urlsplit

from requests.adapters import BaseAdapter
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict


class WSGIAdapter(BaseAdapter):
    """A requests transport that calls a WSGI application mounted at `issuer`."""

    def __init__(self, app, issuer: str):
        super().__init__()
        self.app = app
        self.issuer = issuer.rstrip("/")

    def send(
        self,
        request: PreparedRequest,
        stream=False,
        timeout=None,
        verify=True,
        cert=None,
        proxies=None,
    ):
        url = urlsplit(request.url)
        root = urlsplit(self.issuer)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        environ = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": root.path,
            "PATH_INFO": url.path[len(root.path) :] or "/",
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "localhost",
            "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "devprovider.issuer": self.issuer,
        }
        for name, value in request.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in {"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"}:
                environ[key] = value
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        content = b"".join(self.app(environ, start_response))
        response = Response()
        response.status_code = int(captured["status"].split()[0])
        response.reason = HTTPStatus(response.status_code).phrase
        response.headers = CaseInsensitiveDict(captured["headers"])
        response._content = content
        response.raw = io.BytesIO(content)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass
