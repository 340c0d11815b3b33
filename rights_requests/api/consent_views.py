"""Consent state and the suppression list for the utility's systems (consent.services)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from . import serializers as s
from .base import SystemView
from .errors import ServiceUnavailable
from .throttling import ConsentLookupThrottle


def _consent_services():
    try:
        from consent import services
    except ImportError:  # the consent part is not installed in this build
        raise ServiceUnavailable(_("Consent information is not available.")) from None
    return services


@extend_schema(
    tags=["consent"],
    request=s.ConsentLookupSerializer,
    responses={200: s.ConsentStateSerializer},
    description=(
        "The current consents of one person and whether they are on the suppression list. "
        "The personal number goes in the body, never in the address."
    ),
)
class ConsentLookup(SystemView, APIView):
    def get_throttles(self):
        return [*super().get_throttles(), ConsentLookupThrottle()]

    def post(self, request):
        data = s.ConsentLookupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services = _consent_services()
        from datamap import pii

        lookup_hash = pii.lookup_hash(data.validated_data["personal_number"])
        rows = []
        for organisation in _organisations(self.client):
            for code, state in sorted(
                services.current_consents(lookup_hash, organisation=organisation).items()
            ):
                rows.append(
                    {
                        "purpose": code,
                        "organisation": organisation.code,
                        "granted": state.granted,
                        "suppressed": state.suppressed,
                        "effective": state.effective,
                        "at": state.at,
                        "channel": state.channel,
                        "text_version": state.text_version,
                    }
                )
        suppressed = _suppressions(services, self.client).filter(lookup_hash=lookup_hash).exists()
        return Response(s.ConsentStateSerializer({"suppressed": suppressed, "consents": rows}).data)


def _organisations(client):
    from datamap.models import Organisation

    ids = {e.organisation_id for e in client.legal_entities.all()}
    return list(Organisation.objects.filter(pk__in=sorted(ids)).order_by("code"))


def _suppressions(services, client):
    from django.db.models import Q

    organisations = {e.organisation_id for e in client.legal_entities.all()}
    queryset = services.suppression_list()
    return queryset.filter(Q(organisation__isnull=True) | Q(organisation__in=sorted(organisations)))


@extend_schema(
    tags=["consent"],
    parameters=[s.SuppressionQuerySerializer],
    responses={200: s.SuppressionSerializer(many=True)},
)
class SuppressionList(SystemView, generics.ListAPIView):
    """Everyone who must not receive direct marketing from the client's organisations."""

    serializer_class = s.SuppressionSerializer
    allowed_parameters = frozenset({"since"})

    def get_queryset(self):
        query = s.SuppressionQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        services = _consent_services()
        since = query.validated_data.get("since")
        queryset = services.suppression_list(since=since) if since else services.suppression_list()
        organisations = {e.organisation_id for e in self.client.legal_entities.all()}
        from django.db.models import Q

        return (
            queryset.filter(
                Q(organisation__isnull=True) | Q(organisation__in=sorted(organisations))
            )
            .select_related("organisation", "purpose")
            .order_by("created_at", "id")
        )
