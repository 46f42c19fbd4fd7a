"""Use cases that write: storing, issuing and voiding estimates; Good Faith Estimate requests."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from .catalog_cache import catalog_days, responses
from .formatting import language as active_language
from .models import (
    Estimate,
    EstimateSource,
    EstimateStatus,
    GoodFaithEstimateRequest,
    InsurancePlan,
    IntegrationKey,
    RequestStatus,
    ServiceType,
    WebhookEvent,
)
from .models.base import EncodedDocument
from .models.statements import insert_compiled
from .notices import Notice, NoticeKind, gfe_deadline, priced_services
from .quotes import Quote, QuoteInput, jsonable, quote_build
from .selectors import notice_for_quote
from .webhooks import webhook_emit_estimate, webhook_emit_gfe_request


@dataclass(frozen=True)
class PatientDetails:
    """Who an estimate is for; all optional on a plain estimate, required on a GFE request."""

    name: str = ""
    date_of_birth: dt.date | None = None
    email: str = ""
    phone: str = ""
    external_reference: str = ""
    diagnosis_codes: tuple[str, ...] = ()
    notes: str = ""
    # The language the estimate's PDFs and emails are written in; "" keeps that of the estimate
    # it supersedes, else English.
    language: str = ""


def _patient_fields(patient: PatientDetails, supersedes: Estimate | None = None) -> dict[str, Any]:
    return {
        "language": patient.language or (supersedes.language if supersedes else "en"),
        "patient_name": patient.name,
        "patient_date_of_birth": patient.date_of_birth,
        "patient_email": patient.email,
        "patient_phone": patient.phone,
        "external_reference": patient.external_reference,
        "diagnosis_codes": list(patient.diagnosis_codes),
        "notes": patient.notes,
    }


@dataclass(frozen=True)
class Priced:
    """What a stored estimate keeps of a priced plan: its totals, dates and documents.

    A pure function of the catalog version, the clinic's date and the plan request (as a quote
    is), so the same plan stored again at the same version is not priced again: see _priced.
    """

    currency: str
    charge: Decimal
    patient_pays: Decimal
    patient_pays_best: Decimal
    plan_pays: Decimal
    plan_id: int | None
    start_date: dt.date
    end_date: dt.date
    sessions: int
    # The session types' ids, for the estimate's services relation (None: not read).
    service_ids: tuple[int, ...] | None
    # The result's services not covered and needing an ABN (notices.priced_services), which
    # the stored estimate's notice is decided from: read off the result once, when priced.
    named_services: tuple[tuple[str, ...], tuple[str, ...]]
    # Documents, as dicts when just priced; as kept, still encoded (EncodedDocument).
    request_data: dict[str, Any] | EncodedDocument
    snapshot_data: dict[str, Any] | EncodedDocument
    result_data: dict[str, Any] | EncodedDocument


_DOCUMENTS = ("request_data", "snapshot_data", "result_data")


def _service_ids(q: QuoteInput) -> tuple[int, ...]:
    codes = {item.service_code for item in q.items}
    return tuple(ServiceType.objects.filter(code__in=codes).values_list("pk", flat=True))


def _priced_from(quote: Quote, *, with_services: bool = False) -> Priced:
    primary = quote.estimate.primary.totals
    best = quote.estimate.best.totals if quote.estimate.best else primary
    result = quote.result_data()
    return Priced(
        currency=quote.estimate.currency,
        charge=primary.charge,
        patient_pays=primary.patient_pays,
        patient_pays_best=best.patient_pays,
        plan_pays=primary.plan_pays,
        plan_id=None if quote.plan is None else quote.plan.pk,
        start_date=quote.estimate.schedule[0],
        end_date=quote.estimate.schedule[-1],
        sessions=len(quote.estimate.schedule),
        service_ids=_service_ids(quote.input) if with_services else None,
        named_services=priced_services(result),
        request_data=quote.request_data(),
        snapshot_data=quote.snapshot_data(),
        result_data=result,
    )


def _priced_key(q: QuoteInput) -> tuple[int, str] | None:
    """The token and key a priced plan is kept under, or None when it is not to be kept."""
    if q.catalog is None:  # an inactive clinic's catalog, read afresh: nothing to key it by
        return None
    token = q.catalog.token
    plan = [
        q.clinic.pk,
        q.coverage_mode,
        None if q.plan is None else q.plan.pk,
        q.sessions_per_week,
        q.start_date.isoformat(),
        [[i.service_code, i.duration_minutes, i.sessions, list(i.addon_codes)] for i in q.items],
        jsonable(q.standing),
    ]
    digest = hashlib.sha256(orjson.dumps(plan, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return token, f"priced:{catalog_days(token=token)}:{digest}"


def _priced_encode(priced: Priced) -> bytes | None:
    """A priced plan as one bytes value: the length of a head (its totals, dates and ids, and
    each document's size, as JSON), the head, then the documents as orjson writes them, so
    that a kept plan's documents are sliced out, not decoded (None: a document orjson does not
    take, which is then not kept)."""
    try:
        documents = [orjson.dumps(getattr(priced, name)) for name in _DOCUMENTS]
    except TypeError:
        return None
    bare = replace(priced, request_data={}, snapshot_data={}, result_data={})
    # orjson writes a dataclass as its fields and dates as ISO text; the amounts as text.
    head = orjson.dumps([bare, [len(document) for document in documents]], default=str)
    return b"".join([len(head).to_bytes(4, "big"), head, *documents])


def _priced_decode(body: bytes) -> Priced:
    size = int.from_bytes(body[:4], "big")
    data, sizes = orjson.loads(body[4 : 4 + size])
    for name in _PRICED_AMOUNTS:
        data[name] = Decimal(data[name])
    for name in ("start_date", "end_date"):
        data[name] = dt.date.fromisoformat(data[name])
    if data["service_ids"] is not None:
        data["service_ids"] = tuple(data["service_ids"])
    uncovered, abn = data["named_services"]
    data["named_services"] = (tuple(uncovered), tuple(abn))
    at = 4 + size
    for name, length in zip(_DOCUMENTS, sizes, strict=True):
        data[name] = EncodedDocument(body[at : at + length])
        at += length
    return Priced(**data)


_PRICED_AMOUNTS = ("charge", "patient_pays", "patient_pays_best", "plan_pays")


def _priced(q: QuoteInput) -> Priced:
    """The plan priced, or as priced before at this catalog version and date.

    Kept encoded (each estimate gets documents of its own, never one shared and mutable) in
    this process's answer cache, which forgets everything when the catalog's token moves
    (catalog_cache.ResponseCache). The documents come back still encoded (EncodedDocument):
    the INSERT and the answer write their bytes as they are, and a reader of the estimate's
    field decodes its own copy. A plan the engine refuses is priced (and refused) every time.
    """
    kept = _priced_key(q)
    if kept is not None and (body := responses.recall(*kept)) is not None:
        return _priced_decode(body)
    priced = _priced_from(quote_build(quote=q), with_services=True)
    if kept is not None and (body := _priced_encode(priced)) is not None:
        responses.remember(*kept, body)
        # Stored as the kept bytes: not encoded a second time for the INSERT and the answer.
        return _priced_decode(body)
    return priced


def _plan_of(q: QuoteInput, plan_id: int | None) -> InsurancePlan | None:
    """The plan a priced plan was priced with (the one asked for, or the one assumed)."""
    if plan_id is None:
        return None
    if q.plan is not None and q.plan.pk == plan_id:
        return q.plan
    found = q.catalog.plan(plan_id) if q.catalog is not None else None
    return found if found is not None else InsurancePlan.objects.get(pk=plan_id)


def estimate_new(
    *,
    quote: Quote,
    patient: PatientDetails,
    source: str,
    by: Any = None,
    api_key: IntegrationKey | None = None,
    supersedes: Estimate | None = None,
) -> Estimate:
    """A priced quote as an unsaved draft estimate: frozen inputs, snapshot and result."""
    return _estimate_from(
        _priced_from(quote),
        quote.input,
        quote.plan,
        patient=patient,
        source=source,
        by=by,
        api_key=api_key,
        supersedes=supersedes,
    )


def _estimate_from(
    priced: Priced,
    q: QuoteInput,
    plan: InsurancePlan | None,
    *,
    patient: PatientDetails,
    source: str,
    by: Any,
    api_key: IntegrationKey | None,
    supersedes: Estimate | None,
) -> Estimate:
    currency = priced.currency
    # django-stubs types MoneyField as a DecimalField; Money is what django-money stores.
    amounts: dict[str, Any] = {
        "total_charge": Money(priced.charge, currency),
        "patient_total": Money(priced.patient_pays, currency),
        "patient_total_best": Money(priced.patient_pays_best, currency),
        "plan_total": Money(priced.plan_pays, currency),
    }
    estimate = Estimate(
        **amounts,
        clinic=q.clinic,
        source=source,
        coverage_mode=q.coverage_mode,
        plan=plan,
        **_patient_fields(patient, supersedes),
        start_date=priced.start_date,
        end_date=priced.end_date,
        sessions=priced.sessions,
        request_data=priced.request_data,
        snapshot_data=priced.snapshot_data,
        result_data=priced.result_data,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        api_key=api_key,
        supersedes=supersedes,
    )
    estimate.named_services = priced.named_services
    return estimate


def estimate_create(
    *,
    quote_input: QuoteInput,
    patient: PatientDetails,
    source: str = EstimateSource.API,
    by: Any = None,
    api_key: IntegrationKey | None = None,
    quote: Quote | None = None,
    supersedes: Estimate | None = None,
) -> Estimate:
    """Price a plan and keep it on record with frozen inputs, snapshot and result."""
    if api_key is not None and api_key.clinic_id not in (None, quote_input.clinic.pk):
        # Reads are scoped the same way (selectors.estimates_visible).
        raise PermissionDenied(f"This API key may only store estimates for {api_key.clinic}.")
    if quote is not None:
        priced, plan = _priced_from(quote, with_services=True), quote.plan
    else:
        priced = _priced(quote_input)
        plan = _plan_of(quote_input, priced.plan_id)
    estimate = _estimate_from(
        priced,
        quote_input,
        plan,
        patient=patient,
        source=source,
        by=by,
        api_key=api_key,
        supersedes=supersedes,
    )
    # Related rows were just read (the clinic, plan and key) and the checks in Meta.constraints
    # hold for anything the engine prices; the database enforces both all the same. Skipping
    # their queries here takes a stored estimate from two dozen queries to under ten. Not
    # checked here either: the reference's uniqueness (a random one of 30^8; the unique index
    # refuses a repeat) and that the engine's JSON documents encode as JSON (they are made of
    # strings, numbers, lists and dicts; checking dumps each one a second time).
    estimate.full_clean(
        exclude=[
            "clinic",
            "plan",
            "api_key",
            "created_by",
            "supersedes",
            "reference",
            "request_data",
            "snapshot_data",
            "result_data",
        ],
        validate_constraints=False,
    )
    # Everything above only reads: the writes need one transaction (the request's, when there
    # is one) but no savepoint of their own, two round trips that an error undoes no better.
    with transaction.atomic(savepoint=False):
        estimate.save()
        _services_link(estimate, priced.service_ids or ())
        webhook_emit_estimate(estimate=estimate, event=WebhookEvent.ESTIMATE_CREATED)
    # A row made just now is corrected by nothing yet: no query to find out.
    Estimate.superseded_by.related.set_cached_value(estimate, None)
    return estimate


def _services_link(estimate: Estimate, service_ids: Sequence[int]) -> None:
    """The estimate's session types, one INSERT of all the link rows (no signals, as
    bulk_create), the statement compiled once (models/statements.py)."""
    through = Estimate.services.through
    links = [through(estimate_id=estimate.pk, servicetype_id=pk) for pk in service_ids]
    fields = [field for field in through._meta.concrete_fields if not field.primary_key]
    using = router.db_for_write(through)
    if insert_compiled(links, using=using, fields=fields) is None:
        through.objects.using(using).bulk_create(links)


@transaction.atomic
def estimate_issue(*, estimate: Estimate, by: Any) -> Estimate:
    """Mark a draft estimate as issued to the patient."""
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.status != EstimateStatus.DRAFT:
        raise ValidationError({"status": "Only a draft estimate can be issued."})
    estimate.status = EstimateStatus.ISSUED
    estimate.issued_at = timezone.now()
    estimate._change_reason = f"Issued by {by}"  # type: ignore[attr-defined]
    estimate.full_clean()
    estimate.save()
    webhook_emit_estimate(estimate=estimate, event=WebhookEvent.ESTIMATE_ISSUED)
    return estimate


@transaction.atomic
def estimate_void(*, estimate: Estimate, by: Any, reason: str) -> Estimate:
    """Void an estimate; it stays on record with the reason."""
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.status == EstimateStatus.VOID:
        raise ValidationError({"status": "This estimate is already void."})
    if estimate.status == EstimateStatus.SUPERSEDED:
        raise ValidationError({"status": "This estimate was superseded by a correction."})
    if not reason.strip():
        raise ValidationError({"void_reason": "Say why the estimate is void."})
    estimate.status = EstimateStatus.VOID
    estimate.voided_at = timezone.now()
    estimate.void_reason = reason.strip()[:300]
    estimate._change_reason = f"Voided by {by}: {reason}"  # type: ignore[attr-defined]
    estimate.full_clean()
    estimate.save()
    webhook_emit_estimate(estimate=estimate, event=WebhookEvent.ESTIMATE_VOIDED)
    return estimate


def _patient_of(estimate: Estimate) -> PatientDetails:
    return PatientDetails(
        name=estimate.patient_name,
        date_of_birth=estimate.patient_date_of_birth,
        email=estimate.patient_email,
        phone=estimate.patient_phone,
        external_reference=estimate.external_reference,
        diagnosis_codes=tuple(estimate.diagnosis_codes),
        notes=estimate.notes,
        language=estimate.language,
    )


def _copy_priced(*, estimate: Estimate, patient: PatientDetails, by: Any) -> Estimate:
    # The figures as issued (same request, snapshot and result), with the patient's details.
    copy = Estimate(
        clinic=estimate.clinic,
        source=EstimateSource.ADMIN,
        coverage_mode=estimate.coverage_mode,
        plan=estimate.plan,
        start_date=estimate.start_date,
        end_date=estimate.end_date,
        sessions=estimate.sessions,
        total_charge=estimate.total_charge,
        patient_total=estimate.patient_total,
        patient_total_best=estimate.patient_total_best,
        plan_total=estimate.plan_total,
        request_data=estimate.request_data,
        snapshot_data=estimate.snapshot_data,
        result_data=estimate.result_data,
        **_patient_fields(patient, estimate),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        supersedes=estimate,
    )
    copy.full_clean()
    copy.save()
    copy.services.set(estimate.services.all())
    webhook_emit_estimate(estimate=copy, event=WebhookEvent.ESTIMATE_CREATED)
    return copy


@transaction.atomic
def estimate_supersede(
    *,
    estimate: Estimate,
    by: Any,
    reason: str,
    patient: PatientDetails | None = None,
    quote_input: QuoteInput | None = None,
) -> Estimate:
    """Correct an issued estimate: a new draft supersedes it, and it is marked superseded.

    The draft copies the issued figures with the patient's details (corrected when given), or
    re-prices quote_input when given. The old estimate keeps its reference, figures and PDF
    history; the draft is checked and issued like any other.
    """
    old: Estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if old.status != EstimateStatus.ISSUED:
        raise ValidationError(
            {"status": "Only an issued estimate is corrected by a new one; edit a draft directly."}
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say what the correction is for."})
    patient = patient or _patient_of(old)
    if quote_input is not None:
        new = estimate_create(
            quote_input=quote_input,
            patient=patient,
            source=EstimateSource.ADMIN,
            by=by,
            supersedes=old,
        )
    else:
        new = _copy_priced(estimate=old, patient=patient, by=by)
    old.status = EstimateStatus.SUPERSEDED
    old._change_reason = f"Superseded by {new.reference} ({by}): {reason.strip()}"  # type: ignore[attr-defined]
    old.full_clean()
    old.save()
    webhook_emit_estimate(
        estimate=old, event=WebhookEvent.ESTIMATE_SUPERSEDED, superseded_by=new.reference
    )
    return new


@transaction.atomic
def gfe_request_set_status(
    *, request: GoodFaithEstimateRequest, status: str, by: Any
) -> GoodFaithEstimateRequest:
    """Move a Good Faith Estimate request along; the staff member who did it is recorded."""
    if status not in RequestStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    request.status = status
    if status != RequestStatus.NEW:
        request.handled_by = by
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def gfe_request_link_estimate(
    *, request: GoodFaithEstimateRequest, estimate: Estimate, by: Any
) -> GoodFaithEstimateRequest:
    """Answer a Good Faith Estimate request with a stored estimate; the request is in progress."""
    request = GoodFaithEstimateRequest.objects.select_for_update().get(pk=request.pk)
    if estimate.clinic_id != request.clinic_id:
        raise ValidationError(
            {"estimate": f"The estimate must be for {request.clinic}, where the patient asked."}
        )
    request.estimate = estimate
    if estimate.language != request.language:
        # Priced for the patient who asked: the GFE and its email are in the request's language.
        estimate.language = request.language
        estimate.save(update_fields=["language", "updated_at"])
    request.status = RequestStatus.IN_PROGRESS
    request.handled_by = by if getattr(by, "is_authenticated", False) else None
    request._change_reason = f"Estimate {estimate.reference} priced by {by}"  # type: ignore[attr-defined]
    request.full_clean()
    request.save()
    return request


class GoodFaithEstimateNotOwed(Exception):
    """A Good Faith Estimate request that the rules do not call for; the message says why."""

    def __init__(self, notice: Notice) -> None:
        deadline = notice.deadline
        if notice.kind is NoticeKind.GOOD_FAITH_ESTIMATE and deadline is not None:
            message = deadline.text
        else:
            # Said to the patient on the quote page's 409, in the page's language.
            message = _(
                "A Good Faith Estimate does not apply to this estimate. What you get instead: "
                "%(what_you_get)s"
            ) % {"what_you_get": notice.what_you_get}
        super().__init__(message)
        self.notice = notice
        self.message = message


@transaction.atomic
def gfe_request_create(
    *, quote: Quote, patient: PatientDetails, consent: bool
) -> GoodFaithEstimateRequest:
    """Keep a patient's request for a formal Good Faith Estimate with the quote they saw.

    Refused (GoodFaithEstimateNotOwed) when the patient is not owed one before their first
    visit: Medicare or Medicaid, insured, a Canadian clinic, or a visit too soon.
    """
    notice = notice_for_quote(quote=quote)
    if not notice.offers_gfe_request:
        raise GoodFaithEstimateNotOwed(notice)
    assert notice.deadline is not None
    if not consent:
        raise ValidationError({"consent": _("We need your consent to contact you.")})
    if patient.date_of_birth is None:
        raise ValidationError({"patient_date_of_birth": _("A Good Faith Estimate needs it.")})
    estimate = quote.estimate
    # django-stubs types MoneyField as a DecimalField; Money is what django-money stores.
    total: Any = Money(estimate.primary.totals.patient_pays, estimate.currency)
    request = GoodFaithEstimateRequest(
        clinic=quote.input.clinic,
        patient_name=patient.name,
        patient_date_of_birth=patient.date_of_birth,
        patient_email=patient.email,
        patient_phone=patient.phone,
        consent=True,
        consented_at=timezone.now(),
        # The page's language, kept for the Good Faith Estimate and email made later.
        language=patient.language or active_language(),
        request_data=quote.request_data(),
        result_data=quote.result_data(),
        patient_total=total,
        due_on=notice.deadline.due,
        renew_by=notice.deadline.renew_by,
    )
    request.full_clean()
    request.save()
    webhook_emit_gfe_request(request=request, due=gfe_request_due(request=request))
    return request


def gfe_request_due(*, request: GoodFaithEstimateRequest) -> dt.date:
    """The day by which the clinic owes the patient their Good Faith Estimate."""
    if request.due_on is not None:
        return request.due_on
    # Requests kept before deadlines were stored: 3 business days from the day the request
    # arrived where the clinic is, not where the server is.
    asked_on = timezone.localdate(request.created_at, zoneinfo.ZoneInfo(request.clinic.time_zone))
    return gfe_deadline(asked_on=asked_on, first_visit=None).due or asked_on
