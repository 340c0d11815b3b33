"""The API's views: thin callers of the workflow and of the consent services.

Systems (a token per system, identity.models.ApiClient) see only the requests of their
companies; a signed-in customer sees only their own. Anything else is answered 404,
as if it did not exist: that a reference exists is itself about a person.
"""

from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, renderers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rights_requests import workflow
from rights_requests.models import Artifact, Message, Status

from . import serializers as s
from .base import ApiDocs, CustomerView, SystemView, _actor_label, not_found  # noqa: F401
from .consent_views import ConsentLookup, SuppressionList  # noqa: F401
from .errors import Gone
from .services import register_submission

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


# --- The signed-in customer ---------------------------------------------------------------------


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
