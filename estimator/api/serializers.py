"""Input and output shapes of the API; inputs are strict, outputs carry money with its currency."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estimator import pricing
from estimator.catalog_cache import clinic_catalog
from estimator.models import (
    CoverageMode,
    EmailKind,
    EmailStatus,
    Estimate,
    EstimateStatus,
    InsurancePlan,
)
from estimator.quotes import QuoteInput
from estimator.selectors import notice_for_estimate
from estimator.services import PatientDetails

from .fields import (
    ICD10_RE,
    MoneyInput,
    MoneyOut,
    MoneyOutField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictSerializer,
    StrictSlugField,
)
from .notices import BillingOut, NoticeOut, billing_out, notice_out

MAX_ITEMS = 20
MAX_ADD_ONS = 10
MAX_DIAGNOSIS_CODES = 12

# ---- quote and estimate requests -------------------------------------------------------------


MONEY_STANDING = ("deductible_met", "out_of_pocket_met", "annual_max_used", "therapy_spend")


class StandingInput(StrictSerializer):
    """Where the patient stands in the benefit year: what is already met or used."""

    deductible_met = MoneyInput(required=False)
    out_of_pocket_met = MoneyInput(required=False)
    visits_used = StrictIntegerField(min_value=0, max_value=366, required=False, default=0)
    annual_max_used = MoneyInput(required=False)
    therapy_spend = MoneyInput(
        required=False,
        help_text="Medicare: allowed amounts of outpatient therapy (PT and SLP) already this "
        "year; therapy lines carry KX once the year passes the plan's KX threshold.",
    )
    limit_visits_used = serializers.DictField(
        child=StrictIntegerField(min_value=0, max_value=366),
        required=False,
        default=dict,
        help_text="Visits already counted toward each of the plan's limits on a set of codes, "
        'by the limit\'s key (GET /api/v1/plans: code_set_limits), e.g. {"acupuncture": 4}.',
    )


class CoverageInput(StrictSerializer):
    """How the patient pays: self-pay, a verified plan, or unknown (a best-to-worst range)."""

    mode = serializers.ChoiceField(choices=CoverageMode.choices)
    plan = StrictIntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="An insurance plan id (GET /api/v1/plans); needed when mode is insured.",
    )
    standing = StandingInput(required=False)


class ItemInput(StrictSerializer):
    """A run of identical sessions: one service at one length, with add-ons."""

    service = StrictSlugField(max_length=50, help_text="A service code (GET /api/v1/services).")
    duration_minutes = StrictIntegerField(min_value=1, max_value=240)
    add_ons = serializers.ListField(
        child=StrictSlugField(max_length=50),
        max_length=MAX_ADD_ONS,
        required=False,
        default=list,
        help_text="Add-on codes (GET /api/v1/add-ons).",
    )
    sessions = StrictIntegerField(min_value=1, max_value=pricing.MAX_SESSIONS)


class QuoteRequest(StrictSerializer):
    """A plan to price."""

    clinic = StrictSlugField(max_length=50, help_text="A clinic slug (GET /api/v1/clinics).")
    items = ItemInput(many=True, min_length=1, max_length=MAX_ITEMS)  # type: ignore[call-arg]
    sessions_per_week = StrictIntegerField(min_value=1, max_value=7)
    start_date = StrictDateField(help_text="Date of the first session (YYYY-MM-DD).")
    coverage = CoverageInput(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return quote_resolve(attrs, token=self.context.get("catalog_token"))

    def quote_input(self) -> QuoteInput:
        """The validated request as the quote use case takes it."""
        return quote_input_from(self.validated_data)


def quote_resolve(attrs: dict[str, Any], *, token: int | None) -> dict[str, Any]:
    """A well-formed plan request checked against the catalog: the clinic and plan it names
    exist, and amounts are in the clinic's currency. Shared by QuoteRequest and the fast
    parser (estimator/api/fastparse.py), so both refuse and resolve the same way."""
    catalog = clinic_catalog(slug=attrs["clinic"], token=token)
    if catalog is None:
        raise serializers.ValidationError(
            {"clinic": serializers.ErrorDetail("There is no such clinic.", "unknown_clinic")}
        )
    clinic = attrs["clinic"] = catalog.clinic
    attrs["catalog"] = catalog
    coverage = attrs.get("coverage") or {"mode": CoverageMode.SELF_PAY}
    attrs["coverage"] = coverage
    plan_id = coverage.get("plan")
    coverage["plan"] = None
    if plan_id is not None:
        # Another clinic's plan is read from the database, to say it is not offered here.
        plan = catalog.plan(plan_id) or InsurancePlan.objects.filter(pk=plan_id).first()
        if plan is None:
            raise serializers.ValidationError(
                {"coverage": {"plan": [serializers.ErrorDetail("No such plan.", "unknown_plan")]}}
            )
        coverage["plan"] = plan
    standing = coverage.get("standing") or {}
    wrong = {
        name: [
            serializers.ErrorDetail(
                f"Use {clinic.currency}, the currency {clinic.name} bills in.",
                "wrong_currency",
            )
        ]
        for name, value in standing.items()
        if name in MONEY_STANDING and value["currency"] != clinic.currency
    }
    if wrong:
        raise serializers.ValidationError({"coverage": {"standing": wrong}})
    return attrs


def quote_input_parsed(fields: dict[str, Any], *, token: int | None) -> QuoteInput:
    """A body already parsed to QuoteRequest's field values (estimator/api/fastparse.py),
    checked against the catalog; its refusals are shaped as QuoteRequest shapes them."""
    try:
        return quote_input_from(quote_resolve(fields, token=token))
    except serializers.ValidationError as error:
        raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


def quote_input_from(data: dict[str, Any]) -> QuoteInput:
    """Resolved request data (quote_resolve's result) as the quote use case takes it."""
    coverage = data["coverage"]
    standing = coverage.get("standing") or {}

    def amount(name: str) -> Any:
        value = standing.get(name)
        return pricing.types.ZERO if value is None else value["amount"]

    return QuoteInput(
        clinic=data["clinic"],
        items=tuple(
            pricing.PlanItem(
                service_code=item["service"],
                duration_minutes=item["duration_minutes"],
                sessions=item["sessions"],
                addon_codes=tuple(item.get("add_ons", ())),
            )
            for item in data["items"]
        ),
        sessions_per_week=data["sessions_per_week"],
        start_date=data["start_date"],
        coverage_mode=coverage["mode"],
        plan=coverage["plan"],
        catalog=data["catalog"],
        standing=pricing.Standing(
            deductible_met=amount("deductible_met"),
            oop_met=amount("out_of_pocket_met"),
            visits_used=standing.get("visits_used", 0),
            annual_max_used=amount("annual_max_used"),
            therapy_spend=amount("therapy_spend"),
            limit_visits_used=dict(standing.get("limit_visits_used") or {}),
        ),
    )


class PatientInput(StrictSerializer):
    """Who the estimate is for; every field optional."""

    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    date_of_birth = StrictDateField(required=False, allow_null=True, default=None)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = StrictCharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        validators=[RegexValidator(r"^[0-9+() .-]{7,30}$", "Enter a phone number.")],
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        default="",
        help_text="The patient's language: the estimate's PDFs and emails are written in it. "
        "Empty or absent: English (a correction keeps the language of the estimate it corrects).",
    )

    def validate_date_of_birth(self, value: Any) -> Any:
        import datetime as dt

        if value is not None and value > dt.date.today():
            raise serializers.ValidationError("A date of birth cannot be in the future.")
        return value


class DiagnosisCodeField(StrictCharField):
    """An ICD-10 code such as M54.50 or M79.1."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault(
            "validators",
            [RegexValidator(ICD10_RE, "Enter an ICD-10 code such as M54.50.", "icd10_format")],
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        # Codes are written in capitals; accept m54.50 as M54.50.
        return super().to_internal_value(data).strip().upper()


class EstimateRequest(QuoteRequest):
    """A plan to price and keep on record, with who it is for."""

    patient = PatientInput(required=False)
    external_reference = StrictCharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Your own identifier, e.g. a chart or account number.",
    )
    diagnosis_codes = serializers.ListField(
        child=DiagnosisCodeField(), max_length=MAX_DIAGNOSIS_CODES, required=False, default=list
    )
    notes = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")

    def patient_details(self) -> PatientDetails:
        """The validated patient and reference fields."""
        return patient_details_from(self.validated_data)


def patient_details_from(data: dict[str, Any]) -> PatientDetails:
    """The patient and reference fields of EstimateRequest's validated data, or of the same
    fields from the fast parser (estimator/api/fastparse.py: estimate_fields)."""
    patient = data.get("patient") or {}
    return PatientDetails(
        name=patient.get("name", ""),
        date_of_birth=patient.get("date_of_birth"),
        email=patient.get("email", ""),
        phone=patient.get("phone", ""),
        language=patient.get("language", ""),
        external_reference=data["external_reference"],
        diagnosis_codes=tuple(data["diagnosis_codes"]),
        notes=data["notes"],
    )


# ---- the engine's estimate (documented shape of Estimate.to_dict()) --------------------------


class TotalsOut(serializers.Serializer):
    """Every money figure of a line, session or scenario."""

    charge = MoneyOut()
    discount = MoneyOut()
    allowed = MoneyOut()
    copay = MoneyOut()
    deductible = MoneyOut()
    coinsurance = MoneyOut()
    uncovered = MoneyOut()
    above_allowed = MoneyOut()
    balance_billed = MoneyOut()
    written_off = MoneyOut()
    plan_pays = MoneyOut()
    patient_pays = MoneyOut()


class BillingCodeOut(serializers.Serializer):
    """A claim code with its units and modifiers."""

    code = serializers.CharField()
    units = serializers.IntegerField()
    modifiers = serializers.ListField(child=serializers.CharField())


class AdjustmentOut(serializers.Serializer):
    """One step that moved money on a line, with its reason."""

    code = serializers.CharField()
    message = serializers.CharField()
    amount = MoneyOut()


class LineOut(TotalsOut):
    """One priced line: a session's service or an add-on."""

    kind = serializers.ChoiceField(choices=[k.value for k in pricing.LineKind])
    code = serializers.CharField()
    name = serializers.CharField()
    billing = BillingCodeOut(many=True)
    coverage_status = serializers.CharField()
    treatment = serializers.ChoiceField(choices=[t.value for t in pricing.Treatment])
    adjustments = AdjustmentOut(many=True)


class SessionOut(serializers.Serializer):
    """One dated visit with its lines."""

    number = serializers.IntegerField()
    date = serializers.DateField()
    item_index = serializers.IntegerField()
    benefit_year_start = serializers.DateField(allow_null=True)
    lines = LineOut(many=True)
    totals = TotalsOut()


class PackageOut(serializers.Serializer):
    """A package bought for the plan and what it saves."""

    code = serializers.CharField()
    name = serializers.CharField()
    price = MoneyOut()
    sessions_included = serializers.IntegerField()
    session_numbers = serializers.ListField(child=serializers.IntegerField())
    first_use = serializers.DateField()
    valid_until = serializers.DateField()
    singles_cost = MoneyOut()
    savings = MoneyOut()


class ScenarioOut(serializers.Serializer):
    """The plan priced under one set of assumptions."""

    name = serializers.CharField()
    assumptions = serializers.ListField(child=serializers.CharField())
    totals = TotalsOut()
    packages = PackageOut(many=True)
    sessions = SessionOut(many=True)


class ScenariosOut(serializers.Serializer):
    """primary is the dependable (worst) case; best is set only when the estimate is a range."""

    primary = ScenarioOut()
    best = ScenarioOut(allow_null=True)


class WarningOut(serializers.Serializer):
    """Something to know, with a machine code."""

    code = serializers.CharField()
    message = serializers.CharField()


class EngineEstimateOut(serializers.Serializer):
    """The priced plan, line by line: the same shape the quote page, PDF and admin show."""

    currency = serializers.CharField()
    coverage = serializers.CharField()
    is_range = serializers.BooleanField()
    abn_required = serializers.BooleanField(
        default=False,
        help_text="A Medicare patient may be charged for some lines only with a signed ABN "
        "(CMS-R-131) given before the service; those lines' codes carry GA.",
    )
    waiver_required = serializers.BooleanField(
        default=False,
        help_text="Some lines are denied as experimental/investigational and may be billed "
        "only with the patient's signed waiver.",
    )
    schedule = serializers.ListField(child=serializers.DateField())
    assumptions = serializers.ListField(child=serializers.CharField())
    warnings = WarningOut(many=True)
    scenarios = ScenariosOut()


class SummaryOut(serializers.Serializer):
    """The figures most callers need."""

    currency = serializers.CharField()
    is_range = serializers.BooleanField()
    total_charge = MoneyOut()
    patient_total = MoneyOut(help_text="What the patient pays; for a range, the worst case.")
    patient_total_best = MoneyOut()
    patient_total_worst = MoneyOut()
    plan_total = MoneyOut()
    sessions = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class SessionFiguresOut(serializers.Serializer):
    """One session's figures in the primary scenario (the figure to plan on)."""

    number = serializers.IntegerField()
    date = serializers.DateField()
    charge = MoneyOut()
    plan_pays = MoneyOut()
    patient_pays = MoneyOut()


class QuoteOut(serializers.Serializer):
    """A priced plan; nothing is stored."""

    summary = SummaryOut()
    estimate = EngineEstimateOut()
    notice = NoticeOut()


class QuoteSummaryOut(serializers.Serializer):
    """A priced plan's figures without its lines: for callers that show totals only."""

    summary = SummaryOut()
    sessions = SessionFiguresOut(many=True)
    warnings = WarningOut(many=True)


# ---- stored estimates ------------------------------------------------------------------------


class PatientOut(serializers.Serializer):
    """Who the estimate is for."""

    name = serializers.CharField(source="patient_name")
    date_of_birth = serializers.DateField(source="patient_date_of_birth", allow_null=True)
    email = serializers.CharField(source="patient_email")
    phone = serializers.CharField(source="patient_phone")
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, help_text="The language of the estimate's PDFs and emails."
    )


class StoredSummaryOut(serializers.Serializer):
    """The stored totals of an estimate."""

    currency = serializers.CharField(source="total_charge.currency")
    is_range = serializers.BooleanField()
    total_charge = MoneyOutField()
    patient_total = MoneyOutField()
    patient_total_best = MoneyOutField()
    patient_total_worst = MoneyOutField(source="patient_total")
    plan_total = MoneyOutField()
    sessions = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


@extend_schema_field(EngineEstimateOut)
class StoredEstimateField(serializers.Field):
    """The engine's estimate as stored: already the documented shape (Estimate.to_dict()).

    Passed through as kept rather than walked field by field: a 12-session plan is some 50 KB
    and thousands of fields, and re-describing what the engine wrote changes nothing in it.
    """

    def to_representation(self, value: Any) -> Any:
        return value


# EstimateListOut and EstimateOut document the responses; the views write them with
# estimator/api/output.py, field for field (tests/api/test_estimate_output.py holds the two
# equal): a field added or changed here is added or changed there.
class EstimateListOut(serializers.Serializer):
    """A stored estimate in a list: references and totals, without the line-by-line detail."""

    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=EstimateStatus.choices)
    source = serializers.CharField()  # type: ignore[assignment]
    clinic = serializers.CharField(source="clinic.slug")
    coverage_mode = serializers.ChoiceField(choices=CoverageMode.choices)
    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    services = serializers.SerializerMethodField()
    external_reference = serializers.CharField()
    created_at = serializers.DateTimeField()
    supersedes = serializers.CharField(
        source="supersedes_reference",
        allow_null=True,
        help_text="Reference of the issued estimate this one corrects, or null.",
    )
    superseded_by = serializers.CharField(
        source="superseded_by_reference",
        allow_null=True,
        help_text="Reference of the estimate that corrects this one (status 'superseded').",
    )
    summary = StoredSummaryOut(source="*")

    def get_services(self, obj: Any) -> list[str]:
        # The session types priced, as the request kept them (the same codes the estimate's
        # services relation holds), so listing estimates reads no extra rows.
        return sorted({item["service"] for item in obj.request_data.get("items", [])})


class EstimateOut(EstimateListOut):
    """A stored estimate with who it is for, the request as priced and the full breakdown."""

    issued_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    patient = PatientOut(source="*")
    diagnosis_codes = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()
    request = serializers.JSONField(source="request_data", help_text="The request as priced.")
    estimate = StoredEstimateField(source="result_data", read_only=True)
    notice = serializers.SerializerMethodField()
    billing = serializers.SerializerMethodField()

    @extend_schema_field(NoticeOut)
    def get_notice(self, obj: Estimate) -> dict[str, Any]:
        return notice_out(notice_for_estimate(estimate=obj))

    @extend_schema_field(BillingOut)
    def get_billing(self, obj: Estimate) -> dict[str, Any]:
        # An estimate stored by this very request has no bill yet: no query to find out.
        return billing_out(obj, just_stored=bool(self.context.get("just_stored")))


class EstimateFilters(StrictSerializer):
    """Query parameters of GET /api/v1/estimates."""

    clinic = StrictSlugField(required=False, max_length=50)
    status = serializers.ChoiceField(choices=EstimateStatus.choices, required=False)
    service = StrictSlugField(required=False, max_length=50)
    plan = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    external_reference = StrictCharField(required=False, max_length=100)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        # Query strings: only the filter keys are checked; paging keys pass through.
        known = {k: v for k, v in data.items() if k in self.fields}
        return serializers.Serializer.to_internal_value(self, known)


# ---- catalog ---------------------------------------------------------------------------------


class ClinicOut(serializers.Serializer):
    """A clinic's public details."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    address_line1 = serializers.CharField()
    address_line2 = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    website = serializers.CharField()
    npi = serializers.CharField()
    currency = serializers.CharField()
    time_zone = serializers.CharField()
    max_session_minutes = serializers.IntegerField()
    self_pay_discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    active = serializers.BooleanField()


class ServicePriceOut(serializers.Serializer):
    """A session price in effect today at a clinic."""

    clinic = serializers.CharField(source="clinic.slug")
    duration_minutes = serializers.IntegerField()
    price = MoneyOutField(source="amount")
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True, help_text="Last day, inclusive.")


class ServiceOut(serializers.Serializer):
    """A session type with its offered lengths and today's prices."""

    code = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    what_to_expect = serializers.CharField()
    billing_code = serializers.CharField()
    additional_unit_code = serializers.CharField()
    billing_basis = serializers.CharField()
    durations = serializers.ListField(child=serializers.IntegerField())
    contact_minutes = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Booked length (minutes, as a string key) -> one-on-one contact minutes that "
        "timed units count; lengths not listed are all contact time.",
    )
    usually_covered = serializers.BooleanField()
    active = serializers.BooleanField()
    prices = ServicePriceOut(many=True, source="current_prices")


class AddOnPriceOut(serializers.Serializer):
    """An add-on price in effect today at a clinic."""

    clinic = serializers.CharField(source="clinic.slug")
    price = MoneyOutField(source="amount")
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True, help_text="Last day, inclusive.")


class AddOnOut(serializers.Serializer):
    """An add-on, the services it combines with, and today's prices."""

    code = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    billing_code = serializers.CharField()
    medicare_billing_code = serializers.CharField()
    pricing_basis = serializers.CharField(help_text="session, or unit (per 15 minutes).")
    minutes = serializers.IntegerField()
    usually_covered = serializers.BooleanField()
    active = serializers.BooleanField()
    services = serializers.SerializerMethodField()
    prices = AddOnPriceOut(many=True, source="current_prices")

    def get_services(self, obj: Any) -> list[str]:
        return [s.code for s in obj.services.all()]


class PayerOut(serializers.Serializer):
    """An insurer or programme."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    phone = serializers.CharField()
    website = serializers.CharField()


class BenefitYearOut(serializers.Serializer):
    """The day the plan's deductible, maximum and visit counts reset."""

    month = serializers.IntegerField(source="benefit_year_start_month")
    day = serializers.IntegerField(source="benefit_year_start_day")


class CodeSetLimitOut(serializers.Serializer):
    """A visit limit that counts only visits billing one of its codes."""

    key = serializers.CharField()
    name = serializers.CharField()
    billing_codes = serializers.ListField(child=serializers.CharField(), source="codes")
    max_visits = serializers.IntegerField()
    certain_visits = serializers.IntegerField(
        allow_null=True,
        help_text="Visits covered without conditions; later ones up to max_visits need "
        "documented improvement and are quoted as a range. null: all are covered.",
    )


class PlanOut(serializers.Serializer):
    """An insurance plan a clinic quotes, with its cost sharing and limits."""

    id = serializers.IntegerField()
    clinic = serializers.CharField(source="clinic.slug")
    payer = PayerOut()
    name = serializers.CharField()
    network = serializers.CharField()
    currency = serializers.CharField()
    deductible = MoneyOutField()
    coinsurance_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    copay = MoneyOutField()
    copay_design = serializers.ChoiceField(
        choices=[d.value for d in pricing.CopayDesign],
        help_text="copay_then_deductible, copay_waives_deductible (the deductible is waived "
        "for a visit with a copay) or deductible_then_coinsurance (no copay).",
    )
    out_of_pocket_max = MoneyOutField(help_text="0.00 means no maximum.")
    reimbursement_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    per_visit_max = MoneyOutField()
    annual_max = MoneyOutField()
    visit_limit = serializers.IntegerField(allow_null=True)
    therapy_kx_threshold = MoneyOutField(help_text="0.00 means none.")
    therapy_review_threshold = MoneyOutField(help_text="0.00 means none.")
    mppr_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text="Multiple-procedure payment reduction: percent cut from each therapy unit "
        "after the day's first (0.00 = none).",
    )
    code_set_limits = CodeSetLimitOut(many=True, source="code_set_limits.all")
    benefit_year_start = BenefitYearOut(source="*")
    unit_rule = serializers.CharField()
    active = serializers.BooleanField()


class CatalogFilters(serializers.Serializer):
    """Query parameters of the catalog lists."""

    clinic = StrictSlugField(
        required=False, max_length=50, help_text="Only this clinic's (a slug from /clinics)."
    )
    active = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only what is offered now; false: only what is not. Both if absent.",
    )
    payer = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Only this payer's (an id)."
    )

    def to_internal_value(self, data: Any) -> Any:
        known = {k: v for k, v in data.items() if k in self.fields}
        return super().to_internal_value(known)


# ---- estimate emails -----------------------------------------------------------------------


class EstimateEmailRequest(StrictSerializer):
    """POST /api/v1/estimates/{reference}/emails: where to send it (default: the patient's)."""

    to = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="The address to send it to; empty or absent: the patient email on the estimate.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        default="",
        help_text="The language of the email and its PDF; empty or absent: the estimate's (the "
        "patient's, recorded when they asked; English unless set).",
    )


class EstimateEmailOut(serializers.Serializer):
    """An email of an estimate in the outbox: queued, sent or failed."""

    id = serializers.IntegerField()
    estimate = serializers.CharField(source="estimate.reference")
    recipient = serializers.EmailField()
    kind = serializers.ChoiceField(choices=EmailKind.choices)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, help_text="The language the email and its PDF are written in."
    )
    status = serializers.ChoiceField(choices=EmailStatus.choices)
    attempts = serializers.IntegerField()
    sent_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
