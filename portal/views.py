from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from datamap.models import Organisation
from identity.session import current_identity


@require_GET
def home(request):
    organisations = Organisation.objects.prefetch_related("legal_entities").order_by("name")
    return render(
        request,
        "portal/home.html",
        {"organisations": organisations, "customer": current_identity(request)},
    )


@never_cache
@require_GET
def health(request):
    """Answer 200 when the database answers; for load balancers and compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
