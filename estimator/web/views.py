"""The patient's pages: home, the quote form and its result, the PDF, Good Faith Estimates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import get_usage

from estimator.catalog_cache import (
    ClinicCatalog,
    catalog_days,
    catalog_token,
    clinic_catalog,
    responses,
)
from estimator.formatting import currency_words, date_text, percent_text
from estimator.models import Clinic, CoverageMode, GoodFaithEstimateRequest
from estimator.notices import Notice
from estimator.pricing import Standing
from estimator.quotes import Quote, QuoteInvalid, quote_build
from estimator.selectors import notice_for_quote
from estimator.services import GoodFaithEstimateNotOwed, gfe_request_create, gfe_request_due

from .display import EstimateView, estimate_view, plan_terms
from .forms import (
    COVERAGE_LABELS,
    QUOTE_FIELDS,
    Choice,
    GfeRequestForm,
    QuoteForm,
    describe_fields,
    quote_form_choices,
)
from .glossary import TERMS
from .options import QuoteOptions, quote_options, quote_options_current

SESSION_KEY = "gfe_request"
# Where each field's error summary entry links: the first control of a group, else the input.
_GROUPS = ("area", "service", "minutes", "add_on", "coverage")


def _rate_limited(request: HttpRequest, group: str, rate: str) -> HttpResponse | None:
    """Count this submission against the client's address; a friendly 429 page past the limit."""
    usage = get_usage(request, group=group, key="ip", rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    response = render(request, "estimator/rate_limited.html", status=429)
    response["Retry-After"] = str(max(int(usage["time_left"]), 1))
    return response


def _quote(form: QuoteForm, catalog: ClinicCatalog | None = None) -> Quote | None:
    """Price the answers if they are valid; otherwise the problems end up beside the fields.

    catalog: the clinic's catalog when the view has already read it for this version."""
    if not form.is_bound or not form.is_valid():
        return None
    quote_input = form.quote_input()
    if catalog is not None:
        quote_input = dataclasses.replace(quote_input, catalog=catalog)
    try:
        return quote_build(quote=quote_input)
    except QuoteInvalid as invalid:
        form.add_problems(invalid.problems)
        return None


def _self_pay_alternative(quote: Quote) -> Quote | None:
    """The same care priced as self-pay, set beside a range (the engine prices it, not the page)."""
    if quote.input.coverage_mode != CoverageMode.UNKNOWN:
        return None
    try:
        return quote_build(
            quote=dataclasses.replace(
                quote.input, coverage_mode=CoverageMode.SELF_PAY, plan=None, standing=Standing()
            )
        )
    except QuoteInvalid:
        return None


def _estimate(quote: Quote, options: QuoteOptions, form: QuoteForm) -> EstimateView:
    return estimate_view(
        quote=quote,
        options=options,
        self_pay=_self_pay_alternative(quote),
        not_listed=form.not_listed,
    )


def _quote_query(data: QueryDict) -> list[tuple[str, str]]:
    """The quote answers only (never anything else a URL or form carried), in order."""
    return [(name, value) for name in QUOTE_FIELDS for value in data.getlist(name)]


def _error_summary(
    form: Any, prefix: str, choices: dict[str, list[Choice]] | None = None
) -> list[tuple[str, str]]:
    links = []
    for name, messages in form.errors.items():
        if name == "__all__":
            anchor = f"{prefix}form"
        elif name in _GROUPS:
            # The chosen control of a group (visible: the script hides only what does not
            # apply), else its first one.
            group = (choices or {}).get(name, [])
            index = next((i for i, c in enumerate(group) if c.checked), 0)
            anchor = f"{prefix}{name}-{index}"
        else:
            anchor = f"{prefix}{name}"
        links += [(anchor, message) for message in messages]
    return links


def _page(
    request: HttpRequest,
    options: QuoteOptions,
    form: QuoteForm,
    quote: Quote | None,
    gfe_form: GfeRequestForm,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    answers = request.POST if request.method == "POST" else request.GET
    query = _quote_query(answers) if form.is_bound else []
    describe_fields(form)
    describe_fields(gfe_form)
    choices = quote_form_choices(form)
    # What the patient is owed besides this estimate, and whether to offer the GFE request.
    notice: Notice | None = (
        None if quote is None else notice_for_quote(quote=quote, names=options.names_in_language())
    )
    context = {
        "clinic": options.clinic,
        "currency_name": currency_words(options.clinic.currency),
        "self_pay_discount": percent_text(
            options.clinic.self_pay_discount_percent, options.clinic.currency
        )
        if options.clinic.self_pay_discount_percent
        else "",
        "insured_label": COVERAGE_LABELS[CoverageMode.INSURED],
        "options": options,
        "form": form,
        "choices": choices,
        "year_fields": form.year_fields(),
        "plan_terms": plan_terms(plan) if (plan := form.chosen_plan()) else (),
        "errors": _error_summary(form, "f-", choices),
        "gfe_errors": _error_summary(gfe_form, "g-"),
        "estimate": None if quote is None else _estimate(quote, options, form),
        "gfe_form": gfe_form,
        "gfe_fields": [gfe_form[name] for name in ("name", "date_of_birth", "email", "phone")],
        "notice": notice,
        "notice_due": date_text(notice.deadline.due)
        if notice and notice.deadline and notice.deadline.due
        else "",
        "gfe_refusal": refusal,
        "query": query,
        "pdf_url": reverse("estimator:quote_pdf", args=[options.clinic.slug])
        + "?"
        + urlencode(query),
        # The language switch of a refused request goes back to the quote with its answers.
        "language_next": reverse("estimator:quote", args=[options.clinic.slug])
        + ("?" + urlencode(query) if query else ""),
    }
    return render(request, "estimator/quote.html", context, status=status)


def _clinic(slug: str) -> Clinic:
    return get_object_or_404(
        Clinic.objects.select_related("unsure_patient_plan"), slug=slug, active=True
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A short welcome that leads to the quote page of the clinic (or a choice of clinics)."""
    clinics = Clinic.objects.filter(active=True)
    return render(request, "estimator/home.html", {"clinics": clinics})


@require_GET
def glossary(request: HttpRequest) -> HttpResponse:
    """The words of insurance and billing in plain language, each with an anchor to link to."""
    return render(request, "estimator/glossary.html", {"terms": TERMS})


@require_GET
def quote_start(request: HttpRequest) -> HttpResponse:
    """/quote/: straight to the clinic's quote page when there is one, else a choice."""
    clinics = list(Clinic.objects.filter(active=True)[:2])
    if len(clinics) == 1:
        target = reverse("estimator:quote", args=[clinics[0].slug])
        query = request.GET.urlencode()
        return HttpResponseRedirect(f"{target}?{query}" if query else target)
    return render(request, "estimator/home.html", {"clinics": Clinic.objects.filter(active=True)})


def _read_answers(
    request: HttpRequest, slug: str, token: int | None = None
) -> HttpResponse | tuple[QuoteOptions, QuoteForm]:
    """The clinic's options and the answers in the query string, within the rate limit."""
    options = quote_options_current(slug=slug, token=token)
    if options is None:
        raise Http404("No such clinic.")
    form = QuoteForm(request.GET, options=options)
    if form.is_bound and (
        limited := _rate_limited(request, "quote", settings.ESTIMATOR_QUOTE_RATE)
    ):
        return limited
    return options, form


def _answer(
    request: HttpRequest, slug: str
) -> HttpResponse | tuple[QuoteOptions, QuoteForm, Quote | None]:
    """Read the quote answers from the query string and price them, within the rate limit."""
    read = _read_answers(request, slug)
    if isinstance(read, HttpResponse):
        return read
    options, form = read
    return options, form, _quote(form)


# The page is the same for everybody who asks the same thing on the same day of the same
# catalog, but for the form's CSRF token: pages are kept with a mark where it goes.
_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
_CSRF_MARK = b'name="csrfmiddlewaretoken" value="\x00csrf\x00"'


def _page_key(request: HttpRequest, slug: str, token: int) -> str:
    answers = urlencode(sorted((k, v) for k, values in request.GET.lists() for v in values))
    return f"page:{slug}:{get_language()}:{catalog_days(token=token)}:{answers}"


@transaction.non_atomic_requests  # a read: no request transaction to open and close
@require_GET
def quote_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The quote form and, once answered, the estimate (GET, so a quote can be bookmarked)."""
    token = catalog_token()
    read = _read_answers(request, slug, token)
    if isinstance(read, HttpResponse):
        return read
    options, form = read
    key = _page_key(request, slug, token)
    if (kept := responses.recall(token, key)) is not None:
        fresh = f'name="csrfmiddlewaretoken" value="{get_token(request)}"'.encode()
        return HttpResponse(kept.replace(_CSRF_MARK, fresh))
    # Read for this token already (by the options): no second query for the token.
    catalog = clinic_catalog(slug=slug, token=token)
    response = _page(
        request, options, form, _quote(form, catalog), GfeRequestForm(None, today=options.today)
    )
    if response.status_code == 200:
        responses.remember(token, key, _CSRF_INPUT.sub(_CSRF_MARK, response.content))
    return response


@require_GET
def quote_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The same estimate as a PDF download; unanswered or invalid answers go back to the page."""
    from estimator.documents.quote_pdf import quote_pdf_bytes, quote_reference  # see documents/

    answered = _answer(request, slug)
    if isinstance(answered, HttpResponse):
        return answered
    options, form, quote = answered
    if quote is None:
        return redirect(
            reverse("estimator:quote", args=[slug]) + "?" + urlencode(_quote_query(request.GET))
        )
    view = _estimate(quote, options, form)
    answers = _quote_query(request.GET)
    today = options.clinic.today()
    reference = quote_reference(clinic_slug=slug, answers=answers, day=today)
    page = reverse("estimator:quote", args=[slug]) + "?" + urlencode(answers)
    content = quote_pdf_bytes(
        view=view,
        reference=reference,
        valid_until=today + dt.timedelta(days=settings.ESTIMATOR_ESTIMATE_VALID_DAYS),
        html_url=request.build_absolute_uri(page),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="estimate-{reference}.pdf"'
    return response


@never_cache  # the form comes back with the patient's details when it has errors
@require_POST
def gfe_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Keep a request for a formal Good Faith Estimate, then redirect (POST-redirect-GET)."""
    options = quote_options(clinic=_clinic(slug))
    if limited := _rate_limited(request, "gfe_request", settings.ESTIMATOR_GFE_REQUEST_RATE):
        return limited
    gfe_form = GfeRequestForm(request.POST, today=options.today)
    if gfe_form.is_bot():
        # Silently: a bot learns nothing from the answer, and nothing is stored.
        return redirect("estimator:quote", slug)
    form = QuoteForm(request.POST, options=options)
    quote = _quote(form)
    if quote is not None and not (notice := notice_for_quote(quote=quote)).offers_gfe_request:
        # The rules do not call for one here: 409, with what the patient gets instead.
        refusal = GoodFaithEstimateNotOwed(notice).message
        return _page(request, options, form, quote, gfe_form, status=409, refusal=refusal)
    if quote is None or not gfe_form.is_valid():
        return _page(request, options, form, quote, gfe_form, status=400)
    try:
        created = gfe_request_create(quote=quote, patient=gfe_form.patient(), consent=True)
    except GoodFaithEstimateNotOwed as refused:
        # Valid answers that the rules do not call for: 409, with what the patient gets instead.
        return _page(request, options, form, quote, gfe_form, status=409, refusal=refused.message)
    # The reference travels in the session, never in the URL with anything personal.
    request.session[SESSION_KEY] = {"reference": created.reference, "clinic": slug}
    return redirect("estimator:gfe_request_sent", slug)


@never_cache
@require_GET
def gfe_request_sent(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirmation of a Good Faith Estimate request: its reference and when to expect the GFE."""
    clinic = _clinic(slug)
    sent = request.session.get(SESSION_KEY) or {}
    found = GoodFaithEstimateRequest.objects.filter(
        reference=sent.get("reference", ""), clinic=clinic
    ).first()
    if found is None:
        return redirect("estimator:quote", slug)
    context = {
        "clinic": clinic,
        "reference": found.reference,
        "due": date_text(gfe_request_due(request=found)),
        "renew_by": date_text(found.renew_by) if found.renew_by else "",
    }
    return render(request, "estimator/gfe_sent.html", context)
