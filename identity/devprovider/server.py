"""Run the demonstration provider on a loopback port in a thread (for the test suite)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from identity.devprovider.app import DevOpenIDProvider


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(provider: DevOpenIDProvider, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `provider` on a free loopback port; yield its issuer URL; stop afterwards."""
    server = make_server(
        host, 0, provider, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    issuer = f"http://{host}:{server.server_port}"
    provider.issuer = issuer
    thread = threading.Thread(target=server.serve_forever, name="dev-oidc-provider", daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
