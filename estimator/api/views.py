"""Thin API views: validate the request, call the use case or selector, respond."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from estimator.models import Estimate, EstimateSource
from estimator.quotes import Quote, quote_build
from estimator.selectors import notice_for_quote
from estimator.services import estimate_create

from . import schema as docs
from . import selectors, serializers
from .auth import CanReadEstimates, request_key, request_owner
from .errors import problem_response
from .idempotency import (
    Replay,
    idempotency_begin,
    idempotency_finish,
    idempotency_key,
    request_hash,
)
from .notices import notice_out
from .throttling import AnonThrottle, KeyThrottle, QuoteAnonThrottle

CATALOG_MAX_AGE = 60


def _etag(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def conditional(request: Request, response: Response) -> Response:
    """Add an ETag; answer 304 when the caller already has this exact content."""
    etag = _etag(response.data)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={CATALOG_MAX_AGE}"}
    sent = [tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))]
    if etag in sent or "*" in sent:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    for name, value in headers.items():
        response[name] = value
    return response


class CatalogList(generics.ListAPIView):
    """A catalog list: public, paginated, filterable and cacheable (ETag)."""

    filters_class = serializers.CatalogFilters

    def filters(self) -> dict[str, Any]:
        """The validated query parameters."""
        params = self.filters_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return conditional(request, super().list(request, *args, **kwargs))


_CATALOG_RESPONSES = {
    304: OpenApiResponse(description="Not modified: the ETag sent in If-None-Match still holds."),
    **docs.problems(*docs.READ_PROBLEMS),
}


def _catalog_schema(summary: str, serializer: type[BaseSerializer[Any]]) -> Any:
    return extend_schema_view(
        get=extend_schema(
            summary=summary,
            tags=["catalog"],
            parameters=[docs.IF_NONE_MATCH],
            responses={200: serializer(many=True), **_CATALOG_RESPONSES},
        )
    )


class _ClinicFilters(serializers.CatalogFilters):
    clinic = None  # type: ignore[assignment]
    payer = None  # type: ignore[assignment]


class _ServiceFilters(serializers.CatalogFilters):
    payer = None  # type: ignore[assignment]


@_catalog_schema("Clinics", serializers.ClinicOut)
class ClinicList(CatalogList):
    """Clinics and their public details; ?active=true|false."""

    serializer_class = serializers.ClinicOut
    filters_class = _ClinicFilters

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.clinics_list(**self.filters())


@_catalog_schema("Session types with today's prices", serializers.ServiceOut)
class ServiceList(CatalogList):
    """Session types with offered lengths and prices in effect today; ?clinic=, ?active=."""

    serializer_class = serializers.ServiceOut
    filters_class = _ServiceFilters

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.services_list(**self.filters())


@_catalog_schema("Add-ons with the services they combine with", serializers.AddOnOut)
class AddOnList(CatalogList):
    """Add-ons, the services they combine with, and today's prices; ?clinic=, ?active=."""

    serializer_class = serializers.AddOnOut
    filters_class = _ServiceFilters

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.add_ons_list(**self.filters())


@_catalog_schema("Payers", serializers.PayerOut)
class PayerList(CatalogList):
    """Insurers and programmes."""

    serializer_class = serializers.PayerOut

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.payers_list()


@_catalog_schema("Insurance plans", serializers.PlanOut)
class PlanList(CatalogList):
    """Insurance plans each clinic quotes; ?clinic=, ?payer=, ?active=."""

    serializer_class = serializers.PlanOut

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.plans_list(**self.filters())


def quote_body(quote: Quote) -> dict[str, Any]:
    """The priced plan and a summary picked from its totals (nothing is computed here)."""
    result = quote.result_data()
    primary = result["scenarios"]["primary"]["totals"]
    best = (result["scenarios"]["best"] or result["scenarios"]["primary"])["totals"]
    schedule = result["schedule"]
    summary = {
        "currency": result["currency"],
        "is_range": result["is_range"],
        "total_charge": primary["charge"],
        "patient_total": primary["patient_pays"],
        "patient_total_best": best["patient_pays"],
        "patient_total_worst": primary["patient_pays"],
        "plan_total": primary["plan_pays"],
        "sessions": len(schedule),
        "start_date": schedule[0],
        "end_date": schedule[-1],
    }
    notice = notice_out(notice_for_quote(quote=quote, result=result))
    return {"summary": summary, "estimate": result, "notice": notice}


class QuoteCreate(APIView):
    """POST /api/v1/quotes: price a plan; nothing is stored."""

    throttle_classes = [QuoteAnonThrottle, AnonThrottle, KeyThrottle]

    @extend_schema(
        summary="Price a treatment plan (nothing is stored)",
        tags=["quotes"],
        request=serializers.QuoteRequest,
        responses={200: serializers.QuoteOut, **docs.problems(*docs.WRITE_PROBLEMS)},
        examples=docs.QUOTE_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        data = serializers.QuoteRequest(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_build(quote=data.quote_input())
        return Response(quote_body(quote))


class PatientDetails:
    """Responses that carry a patient's details: never kept by a browser or a shared cache."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        return response


class EstimateListCreate(PatientDetails, generics.GenericAPIView):
    """GET: stored estimates (filters, pagination). POST: price and store an estimate."""

    permission_classes = [CanReadEstimates]
    serializer_class = serializers.EstimateListOut

    def get_queryset(self) -> QuerySet[Estimate]:
        params = serializers.EstimateFilters(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.estimates_list(
            key=request_key(self.request), filters=dict(params.validated_data)
        )

    @extend_schema(
        summary="Stored estimates",
        operation_id="estimates_list",
        tags=["estimates"],
        parameters=[serializers.EstimateFilters],
        responses={
            200: serializers.EstimateListOut(many=True),
            **docs.problems(*docs.READ_PROBLEMS),
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Price a plan and store it as an estimate",
        tags=["estimates"],
        request=serializers.EstimateRequest,
        parameters=[docs.IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(
                serializers.EstimateOut,
                description="Stored; Location is its address. A retry with the same "
                "Idempotency-Key and body returns this same response.",
            ),
            **docs.problems(*docs.WRITE_PROBLEMS, 409),
        },
        examples=docs.ESTIMATE_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key(request.headers)
        record = None
        if key is not None:
            claim = idempotency_begin(
                owner=request_owner(request), key=key, fingerprint=request_hash(request.data)
            )
            if isinstance(claim, Replay):
                return self._created(request, claim.body, claim.status)
            record = claim
        data = serializers.EstimateRequest(data=request.data)
        data.is_valid(raise_exception=True)
        estimate = estimate_create(
            quote_input=data.quote_input(),
            patient=data.patient_details(),
            source=EstimateSource.API,
            by=request.user,
            api_key=request_key(request),
        )
        body = dict(serializers.EstimateOut(estimate).data)
        if record is not None:
            idempotency_finish(
                record=record, status=status.HTTP_201_CREATED, body=body, estimate=estimate
            )
        return self._created(request, body, status.HTTP_201_CREATED)

    def _created(self, request: Request, body: dict[str, Any], code: int) -> Response:
        location = request.build_absolute_uri(
            reverse("api:estimate-detail", args=[body["reference"]])
        )
        return Response(body, status=code, headers={"Location": location})


class EstimateDetail(PatientDetails, APIView):
    """GET /api/v1/estimates/{reference}: one stored estimate."""

    permission_classes = [CanReadEstimates]

    @extend_schema(
        summary="A stored estimate",
        tags=["estimates"],
        responses={200: serializers.EstimateOut, **docs.problems(*docs.READ_PROBLEMS)},
    )
    def get(self, request: Request, reference: str) -> Response:
        queryset = selectors.estimates_visible(key=request_key(request))
        estimate = get_object_or_404(queryset, reference=reference.upper())
        return Response(serializers.EstimateOut(estimate).data)


@csrf_exempt  # a 404 changes nothing; without this a POST got the CSRF page, not a 404
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other address under /api/, whatever the method: a problem+json 404."""
    return problem_response(404, "There is nothing at this address.", "not_found")
