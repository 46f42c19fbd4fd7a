"""Thin API views: validate the request, call the use case or selector, respond."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer
from rest_framework.views import APIView

from estimator import pricing
from estimator.catalog_cache import catalog_days, catalog_token, responses, versioned
from estimator.emails import estimate_email_send
from estimator.models import Estimate, EstimateSource
from estimator.pricing.serialise import money
from estimator.quotes import Quote, quote_build
from estimator.selectors import notice_for_quote
from estimator.services import estimate_create

from . import schema as docs
from . import selectors, serializers
from .auth import CanReadEstimates, CanSendEstimateEmails, request_key, request_owner
from .errors import problem_response
from .fastparse import estimate_fields, quote_fields
from .idempotency import (
    Replay,
    idempotency_begin,
    idempotency_finish,
    idempotency_key,
    request_hash,
)
from .notices import notice_out
from .output import estimate_list_out, estimate_out
from .renderers import FastJSONRenderer
from .throttling import KeyThrottle, QuoteAnonThrottle

CATALOG_MAX_AGE = 60


def _not_modified(request: Request, etag: str) -> bool:
    sent = [tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))]
    return etag in sent or "*" in sent


@functools.lru_cache(maxsize=256)
def _filters_parsed(
    filters_class: type[Serializer[Any]], query: str
) -> tuple[tuple[str, Any], ...]:
    """A catalog list's filters from its query string: a pure function of the two, so the last
    few hundred are remembered (≈ 0.1 ms of DRF field copying and validation per request).
    Invalid ones raise each time (lru_cache keeps no exceptions)."""
    params = filters_class(data=QueryDict(query))
    params.is_valid(raise_exception=True)
    return tuple(params.validated_data.items())


@functools.lru_cache(maxsize=1024)
def _absolute_address(scheme_host: str, path: str, query: str) -> str:
    """request.build_absolute_uri() for a request at this scheme and host, path and query: a
    pure function of the three, so the last thousand are remembered (Django escapes the path
    and query afresh for each call, ≈ 40 µs of a catalog read here)."""
    request = HttpRequest()
    request.path = path
    request.META["QUERY_STRING"] = query
    request.__dict__["_current_scheme_host"] = scheme_host  # the cached property, as computed
    return request.build_absolute_uri()


def _address_of(request: Request) -> str:
    """The request's absolute address (its host checked against ALLOWED_HOSTS as Django does)."""
    django_request = request._request
    return _absolute_address(
        django_request._current_scheme_host,  # type: ignore[attr-defined]
        django_request.path,
        django_request.META.get("QUERY_STRING", ""),
    )


# Reads need no request transaction: each is one consistent query or a cached catalog, and
# skipping it saves a round trip (and, on SQLite, the write lock a transaction takes).
reads_only = method_decorator(transaction.non_atomic_requests, name="dispatch")


@reads_only
class CatalogList(generics.ListAPIView):
    """A catalog list: public, paginated, filterable and cacheable (ETag).

    A list is the same for every caller until the catalog changes or a clinic's date turns, so
    it is built once per catalog version, date and query string (estimator.catalog_cache), and
    its ETag names exactly those: a conditional GET is answered from the token alone.
    """

    filters_class = serializers.CatalogFilters

    def filters(self) -> dict[str, Any]:
        """The validated query parameters."""
        return dict(_filters_parsed(self.filters_class, self.request.META.get("QUERY_STRING", "")))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if "HTTP_IF_NONE_MATCH" not in request.META:
            super().initial(request, *args, **kwargs)
            return
        # A conditional GET is usually answered 304, which has no body to negotiate: the key,
        # permission and limit checks run now, as DRF runs them; the renderer is chosen in
        # list() only when a body is due (an unacceptable Accept is then a 406 as before).
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        self.perform_authentication(request)
        self.check_permissions(request)
        self.check_throttles(request)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponse:  # type: ignore[override]
        self.filters()  # a bad filter is a 400 before anything is looked up or cached
        token = catalog_token()
        # The page links (next, previous) carry the address as asked: it is part of the answer.
        key = f"list:{_address_of(request)}@{catalog_days(token=token)}"
        etag = '"' + hashlib.sha256(f"{token}:{key}".encode()).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={CATALOG_MAX_AGE}"}
        if _not_modified(request, etag):
            # No body, so nothing for DRF to negotiate or render.
            return HttpResponseNotModified(headers=headers)
        if getattr(request, "accepted_renderer", None) is None:  # deferred by initial()
            request.accepted_renderer, request.accepted_media_type = (
                self.perform_content_negotiation(request)
            )

        def data() -> Any:
            return versioned(
                token=token,
                key=key,
                build=lambda: super(CatalogList, self).list(request).data,
                shared=False,
            )

        if request.accepted_media_type != FastJSONRenderer.media_type:
            return Response(data(), headers=headers)  # the browsable API, or JSON indented
        # Plain JSON, the integrations' case: the rendered body is kept too, as quotes' are.
        body = responses.recall(token, f"body:{key}")
        if body is None:
            body = FastJSONRenderer().render(data())
            responses.remember(token, f"body:{key}", body)
        return HttpResponse(body, content_type=FastJSONRenderer.media_type, headers=headers)


_CATALOG_RESPONSES = {
    304: OpenApiResponse(description="Not modified: the ETag sent in If-None-Match still holds."),
    **docs.problems(*docs.READ_PROBLEMS),
}


def _catalog_schema(
    summary: str, serializer: type[BaseSerializer[Any]], filters: type[Serializer[Any]] | None
) -> Any:
    return extend_schema_view(
        get=extend_schema(
            summary=summary,
            tags=["catalog"],
            # The filters as query parameters, so a generated client can pass them.
            parameters=[docs.IF_NONE_MATCH, *([filters] if filters else [])],
            responses={200: serializer(many=True), **_CATALOG_RESPONSES},
        )
    )


class _ClinicFilters(serializers.CatalogFilters):
    clinic = None  # type: ignore[assignment]
    payer = None  # type: ignore[assignment]


class _ServiceFilters(serializers.CatalogFilters):
    payer = None  # type: ignore[assignment]


@_catalog_schema("Clinics", serializers.ClinicOut, _ClinicFilters)
class ClinicList(CatalogList):
    """Clinics and their public details; ?active=true|false."""

    serializer_class = serializers.ClinicOut
    filters_class = _ClinicFilters

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.clinics_list(**self.filters())


@_catalog_schema("Session types with today's prices", serializers.ServiceOut, _ServiceFilters)
class ServiceList(CatalogList):
    """Session types with offered lengths and prices in effect today; ?clinic=, ?active=."""

    serializer_class = serializers.ServiceOut
    filters_class = _ServiceFilters

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.services_list(**self.filters())


@_catalog_schema(
    "Add-ons with the services they combine with", serializers.AddOnOut, _ServiceFilters
)
class AddOnList(CatalogList):
    """Add-ons, the services they combine with, and today's prices; ?clinic=, ?active=."""

    serializer_class = serializers.AddOnOut
    filters_class = _ServiceFilters

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.add_ons_list(**self.filters())


@_catalog_schema("Payers", serializers.PayerOut, None)
class PayerList(CatalogList):
    """Insurers and programmes."""

    serializer_class = serializers.PayerOut

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.payers_list()


@_catalog_schema("Insurance plans", serializers.PlanOut, serializers.CatalogFilters)
class PlanList(CatalogList):
    """Insurance plans each clinic quotes; ?clinic=, ?payer=, ?active=."""

    serializer_class = serializers.PlanOut

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.plans_list(**self.filters())


def _summary(estimate: pricing.Estimate) -> dict[str, Any]:
    """The figures most callers need, picked from the scenarios' totals (nothing is computed)."""
    cur = estimate.currency
    primary = estimate.primary.totals
    best = (estimate.best or estimate.primary).totals
    return {
        "currency": cur,
        "is_range": estimate.is_range,
        "total_charge": money(primary.charge, cur),
        "patient_total": money(primary.patient_pays, cur),
        "patient_total_best": money(best.patient_pays, cur),
        "patient_total_worst": money(primary.patient_pays, cur),
        "plan_total": money(primary.plan_pays, cur),
        "sessions": len(estimate.schedule),
        "start_date": estimate.schedule[0].isoformat(),
        "end_date": estimate.schedule[-1].isoformat(),
    }


def quote_body(quote: Quote) -> dict[str, Any]:
    """The priced plan: its summary and the whole estimate."""
    result = quote.result_data()
    notice = notice_out(notice_for_quote(quote=quote, result=result))
    return {"summary": _summary(quote.estimate), "estimate": result, "notice": notice}


def quote_summary_body(quote: Quote) -> dict[str, Any]:
    """The summary, each session's figures and the warnings; no lines, no reasons."""
    estimate = quote.estimate
    cur = estimate.currency
    return {
        "summary": _summary(estimate),
        "sessions": [
            {
                "number": session.number,
                "date": session.on.isoformat(),
                "charge": money(session.totals.charge, cur),
                "plan_pays": money(session.totals.plan_pays, cur),
                "patient_pays": money(session.totals.patient_pays, cur),
            }
            for session in estimate.primary.sessions
        ],
        "warnings": [{"code": w.code, "message": w.message} for w in estimate.warnings],
    }


@reads_only
class QuoteCreate(APIView):
    """POST /api/v1/quotes: price a plan; nothing is stored."""

    # QuoteAnonThrottle counts the anonymous limit too (AnonThrottle's), in one round trip.
    throttle_classes = [QuoteAnonThrottle, KeyThrottle]
    summary_only = False

    @extend_schema(
        summary="Price a treatment plan (nothing is stored)",
        tags=["quotes"],
        request=serializers.QuoteRequest,
        responses={200: serializers.QuoteOut, **docs.problems(*docs.WRITE_PROBLEMS)},
        examples=docs.QUOTE_EXAMPLES,
    )
    def post(self, request: Request) -> Response | HttpResponse:
        token = catalog_token()
        # A quote is a pure function of the catalog, the clinics' date and the body: the same
        # body asked again (a clinic website's popular plans) is answered as before, unpriced.
        key = None
        fields = None
        if (
            request.content_type == "application/json"
            and request.accepted_renderer.format == "json"
        ):
            raw = request._request.body
            digest = hashlib.sha256(raw).hexdigest()
            key = f"quote:{self.summary_only}:{catalog_days(token=token)}:{digest}"
            if (cached := responses.recall(token, key)) is not None:
                return HttpResponse(cached, content_type="application/json")
            fields = quote_fields(raw)
        if fields is not None:
            quote_input = serializers.quote_input_parsed(fields, token=token)
        else:  # anything the fast parser does not vouch for: DRF, with its field-level errors
            data = serializers.QuoteRequest(data=request.data, context={"catalog_token": token})
            data.is_valid(raise_exception=True)
            quote_input = data.quote_input()
        quote = quote_build(quote=quote_input)
        result = quote_summary_body(quote) if self.summary_only else quote_body(quote)
        if key is None:
            return Response(result)
        body = FastJSONRenderer().render(result)
        responses.remember(token, key, body)
        return HttpResponse(body, content_type="application/json")


class QuoteSummaryCreate(QuoteCreate):
    """POST /api/v1/quotes/summary: the same pricing, answered with figures only."""

    summary_only = True

    @extend_schema(
        summary="Price a treatment plan, figures only (nothing is stored)",
        description="The same request and pricing as POST /quotes, answered with the summary, "
        "one row of figures per session and the warnings, without the line-by-line estimate: "
        "about a twentieth of the size, for callers that show totals only.",
        tags=["quotes"],
        request=serializers.QuoteRequest,
        responses={200: serializers.QuoteSummaryOut, **docs.problems(*docs.WRITE_PROBLEMS)},
        examples=docs.QUOTE_EXAMPLES,
    )
    def post(self, request: Request) -> Response | HttpResponse:
        return super().post(request)


class PatientDetails:
    """Responses that carry a patient's details: never kept by a browser or a shared cache."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        return response


class MethodsFirst:
    """A method the address does not have is a 405 (with Allow) before any key is checked: a 401
    or 403 for DELETE would suggest that some key could delete."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = request.method.lower() if request.method else ""
        if method not in self.http_method_names or not hasattr(self, method):  # type: ignore[attr-defined]
            self.http_method_not_allowed(request)  # type: ignore[attr-defined]
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class EstimateListCreate(MethodsFirst, PatientDetails, generics.GenericAPIView):
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
        description="Stored estimates the caller may see (a key limited to one clinic sees that "
        "clinic's), newest first, without the line-by-line breakdown; filter and page them.",
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
        assert page is not None  # Pagination has a default limit: every list is paged
        # EstimateListOut's shape, written directly (estimator/api/output.py).
        return self.get_paginated_response([estimate_list_out(estimate) for estimate in page])

    @extend_schema(
        summary="Price a plan and store it as an estimate",
        description="Prices the plan as POST /quotes does and stores it as a draft estimate with "
        "who it is for. Needs a read_write key (or staff with the add permission). Send an "
        "Idempotency-Key so a retry cannot store it twice.",
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
        fields = None
        if request.content_type == "application/json":
            # The same bytes DRF parses (its JSON parser reads request.body too); the fingerprint
            # above stays that of request.data, so a retry matches whichever path parsed it.
            fields = estimate_fields(request._request.body)
        if fields is not None:
            # EstimateRequest gets no catalog token either: both resolve against the current one.
            quote_input = serializers.quote_input_parsed(fields, token=None)
            patient = serializers.patient_details_from(fields)
        else:  # anything the fast parser does not vouch for: DRF, with its field-level errors
            data = serializers.EstimateRequest(data=request.data)
            data.is_valid(raise_exception=True)
            quote_input = data.quote_input()
            patient = data.patient_details()
        estimate = estimate_create(
            quote_input=quote_input,
            patient=patient,
            source=EstimateSource.API,
            by=request.user,
            api_key=request_key(request),
        )
        # EstimateOut's shape, written directly (estimator/api/output.py).
        body = estimate_out(estimate, just_stored=True)
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


class EstimateDetail(MethodsFirst, PatientDetails, APIView):
    """GET /api/v1/estimates/{reference}: one stored estimate."""

    permission_classes = [CanReadEstimates]

    @extend_schema(
        summary="A stored estimate",
        description="One stored estimate by its reference, with the full breakdown as priced.",
        tags=["estimates"],
        responses={200: serializers.EstimateOut, **docs.problems(*docs.READ_PROBLEMS)},
    )
    def get(self, request: Request, reference: str) -> Response:
        queryset = selectors.estimates_visible(key=request_key(request))
        estimate = get_object_or_404(queryset, reference=reference.upper())
        return Response(estimate_out(estimate))  # EstimateOut's shape (estimator/api/output.py)


class EstimateEmails(MethodsFirst, PatientDetails, APIView):
    """POST /api/v1/estimates/{reference}/emails: email an issued estimate to the patient."""

    permission_classes = [CanSendEstimateEmails]

    @extend_schema(
        summary="Email an issued estimate to the patient",
        description="Queues the email (its PDF attached: the Good Faith Estimate where one "
        "applies) and answers at once; a background job sends it, retrying temporary failures. "
        "The answer is the outbox row; its status moves from queued to sent or failed.",
        tags=["estimates"],
        request=serializers.EstimateEmailRequest,
        responses={
            202: serializers.EstimateEmailOut,
            **docs.problems(*docs.WRITE_PROBLEMS),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        data = serializers.EstimateEmailRequest(data=request.data)
        data.is_valid(raise_exception=True)
        queryset = selectors.estimates_visible(key=request_key(request))
        estimate = get_object_or_404(queryset, reference=reference.upper())
        try:
            email = estimate_email_send(
                estimate=estimate,
                to=data.validated_data["to"],
                by=request.user,
                language=data.validated_data["language"],
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        return Response(serializers.EstimateEmailOut(email).data, status=status.HTTP_202_ACCEPTED)


@csrf_exempt  # a 404 changes nothing; without this a POST got the CSRF page, not a 404
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other address under /api/, whatever the method: a problem+json 404."""
    return problem_response(404, "There is nothing at this address.", "not_found")
