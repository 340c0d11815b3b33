"""The portal's addresses and one bare view (/bench/bare/), mounted only in the benchmarks."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def bare(request):
    """Return a small response: the cost of the server setup and the middleware alone."""
    return HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *portal_urlpatterns]
