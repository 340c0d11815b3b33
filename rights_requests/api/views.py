"""The API's views: thin callers of the workflow and of the consent services.

Systems (a token per system, identity.models.ApiClient) see only the requests of their
companies; a signed-in customer sees only their own. Anything else is answered 404,
as if it did not exist: that a reference exists is itself about a person.
"""

import logging

from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, generics, renderers, serializers, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rights_requests import workflow
from rights_requests.models import Artifact, Message, RightsRequest, Status, Submission

from . import serializers as s
from .authentication import ApiClientAuthentication, CustomerSessionAuthentication
from .errors import Gone, ServiceUnavailable
from .permissions import IsCustomer, IsSystem
from .throttling import ConsentLookupThrottle

logger = logging.getLogger(__name__)


def _actor_label(request) -> str:
    return f"api:{request.auth.name}"[:100]


class ApiBase:
    """Common to every API view.

    Answers carry personal data, so no shared or browser cache may keep them. Callers
    who fail to authenticate still count against the anonymous rate, so that guessing
    tokens is slowed down too (DRF would otherwise refuse them before any throttle).
    """

    def initial(self, request, *args, **kwargs):
        # The API has no language prefix in its addresses: Accept-Language decides
        # (LocaleMiddleware would pin unprefixed addresses to Swedish).
        language = translation.get_language_from_request(request._request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)
        if hasattr(self, request.method.lower()):  # a wrong method stays a 405
            self.refuse_unknown_parameters(request)

    allowed_parameters: frozenset[str] = frozenset()

    def refuse_unknown_parameters(self, request):
        """Refuse query parameters the operation does not know, rather than ignore them.

        A misspelt filter (?stauts=open) would otherwise return everything.
        """
        allowed = set(self.allowed_parameters)
        if getattr(self, "pagination_class", None) is not None:
            allowed |= {"page", "page_size"}
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise serializers.ValidationError(
                {name[:100]: [_("Unknown parameter.")] for name in unknown[:20]}
            )

    def perform_authentication(self, request):
        try:
            super().perform_authentication(request)
        except exceptions.AuthenticationFailed:
            self.check_throttles(request)
            raise

    def permission_denied(self, request, message=None, code=None):
        if not request.successful_authenticator:
            self.check_throttles(request)
        super().permission_denied(request, message, code)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class SystemView(ApiBase):
    authentication_classes = [ApiClientAuthentication]
    permission_classes = [IsSystem]

    @property
    def client(self):
        return self.request.auth

    def scoped_requests(self):
        return RightsRequest.objects.filter(
            legal_entity__in=[e.pk for e in self.client.legal_entities.all()]
        ).select_related("legal_entity__organisation", "subject")

    def get_request_object(self) -> RightsRequest:
        return get_object_or_404(self.scoped_requests(), reference=self.kwargs["reference"])


# --- Requests -------------------------------------------------------------------------------


@extend_schema(tags=["requests"])
class RequestListCreate(SystemView, generics.ListCreateAPIView):
    """List the client's requests, or register one received by phone, letter, e-mail or visit."""

    serializer_class = s.RightsRequestSerializer
    allowed_parameters = frozenset(s.RequestFilterSerializer().fields)

    def get_queryset(self):
        # A plain dict, not the QueryDict: DRF reads an empty form value as "not given",
        # and "?status=" must be refused, not ignored.
        filters = s.RequestFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return filters.filter(self.scoped_requests())

    @extend_schema(
        parameters=[s.RequestFilterSerializer],
        responses={200: s.RightsRequestSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.RequestCreateSerializer,
        responses={201: s.SubmissionCreatedSerializer},
        description=(
            "File one submission for a customer who asked elsewhere: one request per company "
            "and right, each with its own reference and deadline counted from `received_at`. "
            "The personal number is validated and never returned."
        ),
    )
    def post(self, request, *args, **kwargs):
        data = s.RequestCreateSerializer(data=request.data, context={"client": self.client})
        data.is_valid(raise_exception=True)
        submission = register_submission(data, client=self.client)
        requests = list(submission.requests.select_related("legal_entity__organisation", "subject"))
        body = {
            "received_at": submission.received_at,
            "channel": submission.channel,
            "requests": requests,
        }
        return Response(
            s.SubmissionCreatedSerializer(body).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": s.RightsRequestSerializer().get_url(requests[0])},
        )


def register_submission(data: s.RequestCreateSerializer, *, client) -> Submission:
    """Find or create the person by personal number, then file through the workflow."""
    from rights_requests.models import DataSubject

    values = data.validated_data
    number = values["personal_number"]
    with transaction.atomic():
        subject = DataSubject.objects.filter_by_personal_number(number).first()
        if subject is None:
            subject = DataSubject(
                first_name=values["first_name"],
                last_name=values["last_name"],
                email=values.get("email", ""),
                phone=values.get("phone", ""),
                street_address=values.get("street_address", ""),
                postal_code=values.get("postal_code", ""),
                city=values.get("city", ""),
                preferred_language=values["language"],
            )
            subject.set_personal_number(number)
            subject.save()
        details = {}
        if values.get("details"):
            details["registered_note"] = values["details"]
        items = []
        for entity in values["entities"]:
            for right in values["rights"]:
                item_details = dict(details)
                if right == "access" and values.get("access_delivery"):
                    item_details["delivery"] = values["access_delivery"]
                if right == "objection" and values.get("direct_marketing"):
                    item_details["direct_marketing"] = True
                items.append(workflow.RequestItem(entity, right, item_details))
        try:
            submission = workflow.file_submission(
                subject=subject,
                organisation=values["entities"][0].organisation,
                items=items,
                channel=values["channel"],
                received_at=values["received_at"],
                language=values["language"],
                contact_email=values.get("email", ""),
                identity_level=data.identity_level,
                identity_method=values.get("identity_method", ""),
            )
        except ValueError as error:
            raise serializers.ValidationError({"non_field_errors": [str(error)]}) from None
        for request in submission.requests.all():
            workflow.record_event(
                request,
                "api.registered",
                actor_label=f"api:{client.name}"[:100],
                data={"client": client.pk},
            )
    logger.info("api client %s registered submission %s", client.pk, submission.pk)
    return submission


@extend_schema(tags=["requests"], responses={200: s.RightsRequestSerializer})
class RequestDetail(SystemView, generics.RetrieveAPIView):
    """One request of the client's companies, by reference (e.g. KE-2026-000123)."""

    serializer_class = s.RightsRequestSerializer

    def get_object(self):
        return self.get_request_object()


# --- Messages -------------------------------------------------------------------------------


@extend_schema(tags=["messages"])
class RequestMessages(SystemView, generics.ListCreateAPIView):
    """The message thread of a request; post what customer service answered or received."""

    serializer_class = s.MessageSerializer
    pagination_class = None

    def get_queryset(self):
        return Message.objects.filter(request=self.get_request_object())

    @extend_schema(responses={200: s.MessageSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={201: s.MessageSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def perform_create(self, serializer):
        target = self.get_request_object()
        with transaction.atomic():
            message = serializer.save(request=target)
            customer = message.sender == Message.Sender.CUSTOMER
            workflow.record_event(
                target,
                "message.received" if customer else "message.sent",
                actor_label=_actor_label(self.request),
                data={"message": message.pk},
                customer_visible=True,
            )
            if customer and target.status == Status.AWAITING_CUSTOMER:
                # The customer answered a clarification: the clock runs again (R9).
                workflow.request_customer_replied(target)


# --- Files ----------------------------------------------------------------------------------


@extend_schema(tags=["files"], responses={200: s.ArtifactSerializer(many=True)})
class RequestFiles(SystemView, generics.ListAPIView):
    """Generated files of a request (register extract, data export, letters): metadata."""

    serializer_class = s.ArtifactSerializer
    pagination_class = None

    def get_queryset(self):
        return Artifact.objects.filter(request=self.get_request_object()).select_related("request")


@extend_schema(tags=["files"], responses={200: s.ArtifactSerializer})
class RequestFileDetail(SystemView, generics.RetrieveAPIView):
    serializer_class = s.ArtifactSerializer

    def get_object(self):
        return get_object_or_404(
            Artifact.objects.select_related("request"),
            request=self.get_request_object(),
            pk=self.kwargs["file_id"],
        )


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets any Accept header through to a file download; errors still render as JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data)


@extend_schema(
    tags=["files"],
    responses={
        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
        (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
        410: OpenApiResponse(description="The file has expired and was deleted"),
    },
)
class RequestFileDownload(SystemView, APIView):
    """The file itself, streamed. Every download is recorded on the request."""

    renderer_classes = [renderers.JSONRenderer, PassthroughRenderer]

    def handle_exception(self, exc):
        # Whatever the client accepts for the file, an error is JSON.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    def get(self, request, reference, file_id):
        target = self.get_request_object()
        artifact = get_object_or_404(Artifact, request=target, pk=file_id)
        if not artifact.is_available:
            raise Gone(_("The file has expired and was deleted."))
        handle = artifact.file.open("rb")
        workflow.record_event(
            target,
            "file.downloaded",
            actor_label=_actor_label(request),
            data={"artifact": artifact.pk},
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=artifact.filename,
            content_type=artifact.content_type or "application/octet-stream",
        )
        response["Cache-Control"] = "no-store"
        return response


# --- Consent --------------------------------------------------------------------------------


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


# --- The signed-in customer ---------------------------------------------------------------------


class CustomerView(ApiBase):
    authentication_classes = [CustomerSessionAuthentication]
    permission_classes = [IsCustomer]

    def own_requests(self):
        identity = self.request.auth
        return (
            RightsRequest.objects.filter(
                subject__personal_number_hash=identity.personal_number_hash
            )
            .select_related("legal_entity__organisation", "subject")
            .order_by("-received_at", "-id")
        )


@extend_schema(
    tags=["me"],
    responses={200: s.CustomerRequestSerializer(many=True)},
)
class MyRequestList(CustomerView, generics.ListAPIView):
    """The signed-in customer's own requests, newest first."""

    serializer_class = s.CustomerRequestSerializer

    def get_queryset(self):
        return self.own_requests()


@extend_schema(tags=["me"], responses={200: s.CustomerRequestSerializer})
class MyRequestDetail(CustomerView, generics.RetrieveAPIView):
    serializer_class = s.CustomerRequestSerializer

    def get_object(self):
        return get_object_or_404(self.own_requests(), reference=self.kwargs["reference"])


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI from 'self': page and start-up script served apart, so no inline script."""

    template_name = "api/swagger_ui.html"
    url_name = "api-schema"


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a 404 in the API's error shape, not an HTML page."""
    raise exceptions.NotFound()
