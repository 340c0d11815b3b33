"""The portal's addresses plus two views mounted only in the benchmarks.

- /bench/bare/: a small response, the cost of the server setup and the middleware alone;
- /bench/floor/: the least a persisted filing can do on this stack: the signed-in
  customer's session and the CSRF token checked, the multipart form parsed, its fields
  written as one row in one transaction, and a redirect. No validation, no request,
  no deadline, no trail, no outbox: the yardstick the real filing form is put beside.
"""

import json

from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path

from identity.session import customer_login_required
from portal.urls import urlpatterns as portal_urlpatterns

FLOOR_TABLE = "bench_floor"


def bare(request):
    """Return a small response: the cost of the server setup and the middleware alone."""
    return HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")


@customer_login_required
def floor(request):
    """Write the POSTed fields as one row (the table is made by bench_filing.py)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    fields = {name: request.POST.getlist(name) for name in request.POST}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (fields) VALUES (%s) RETURNING id", [json.dumps(fields)]
        )
        (row,) = cursor.fetchone()
    return HttpResponseRedirect(f"/bench/floor/{row}/")


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/floor/", floor, name="bench-floor"),
    *portal_urlpatterns,
]
