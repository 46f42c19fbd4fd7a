"""A front desk user's and a billing manager's day in admin, step by step: find the Good Faith
Estimate requests due today from the dashboard, price and issue an estimate, raise prices
from a date, import a price list, run the monthly report, copy a plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from djmoney.money import Money

from estimator.admin.price_list import ServicePriceResource
from estimator.models import (
    Clinic,
    CoverageRule,
    Estimate,
    InsurancePlan,
    ServicePrice,
    ServiceType,
)
from estimator.selectors import in_effect
from estimator.services import estimate_issue

from .factories import priced_estimate
from .test_admin_estimate_builder import form_data, gfe_request
from .test_roles import login_as

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
PRICES = "admin:estimator_serviceprice_changelist"


@pytest.fixture
def front_desk(client: Any, django_user_model: Any, starter_catalog: Any, clock: Any) -> Any:
    return login_as(client, django_user_model, "front desk")


@pytest.fixture
def billing_manager(client: Any, django_user_model: Any, starter_catalog: Any, clock: Any) -> Any:
    return login_as(client, django_user_model, "billing manager")


def requests_asked_on(clock: Any, *days: dt.datetime) -> list[Any]:
    """Good Faith Estimate requests made at the given times; the clock is put back after."""
    made = []
    for when in days:
        clock.move_to(when)
        # First visit a month ahead: the GFE is owed within 3 business days (45 CFR 149.610).
        made.append(gfe_request(days=30))
    clock.move_to(dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC))
    return made


# ---- front desk ------------------------------------------------------------------------------


def test_front_desk_finds_the_requests_due_today_from_the_dashboard(
    front_desk: Any, clock: Any
) -> None:
    # Today is Wednesday 25 November in Portland: asked Friday the 20th -> due today (3
    # business days); asked Thursday the 19th -> was due Tuesday, overdue.
    due_today, overdue = requests_asked_on(
        clock,
        dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 19, 18, 0, tzinfo=dt.UTC),
    )
    home = front_desk.get(reverse("admin:index")).content.decode()
    assert "Due today" in home
    assert '<span class="count">1</span> Good Faith Estimate requests due today' in home
    assert '<span class="count">1</span> Good Faith Estimate requests overdue' in home
    # Grouped by task; a front desk login has no Security group (users, keys, lockouts).
    assert "Estimates and notices" in home and "Catalog" in home and "Insurance" in home
    assert "Security" not in home and "API keys" not in home
    # The script that drops Django's "hours behind server time" note is on every page.
    assert "estimator/admin.js" in home

    listing = reverse("admin:estimator_goodfaithestimaterequest_changelist")
    page = front_desk.get(listing, {"status": "all", "due": "today"}).content.decode()
    assert due_today.reference in page and overdue.reference not in page
    page = front_desk.get(listing, {"status": "all", "due": "overdue"}).content.decode()
    assert overdue.reference in page and due_today.reference not in page


def test_the_request_page_reads_as_words_not_json(front_desk: Any) -> None:
    request = gfe_request()
    url = reverse("admin:estimator_goodfaithestimaterequest_change", args=[request.pk])
    page = front_desk.get(url).content.decode()
    assert "Dry needling" in page and "45 min" in page and "4 sessions" in page
    assert "2 a week from" in page and "self-pay" in page
    assert "Patient pays" in page  # the quote the patient saw, as the breakdown table
    assert '"items"' not in page and "vForeignKeyRawIdAdminField" not in page


def test_front_desk_prices_a_plan_saves_the_draft_and_issues_it(front_desk: Any) -> None:
    builder = reverse("admin:estimator_estimate_builder")
    response = front_desk.post(builder, form_data(_save="Save"))
    assert response.status_code == 302
    draft = Estimate.objects.get()
    home = front_desk.get(reverse("admin:index")).content.decode()
    assert '<span class="count">1</span> Draft estimates waiting to be issued' in home
    front_desk.post(
        reverse("admin:estimator_estimate_changelist"),
        {"action": "issue_selected", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == "issued"


def test_front_desk_may_not_change_prices_in_bulk_nor_import(front_desk: Any) -> None:
    price = ServicePrice.objects.filter(effective_to__isnull=True).first()
    assert price is not None
    before = ServicePrice.objects.count()
    front_desk.post(
        reverse(PRICES),
        {
            "action": "change_prices",
            "_selected_action": [price.pk],
            "how": "percent",
            "by": "10",
            "effective_from": "2026-12-01",
            "_confirm": "Confirm",
        },
    )
    assert ServicePrice.objects.count() == before
    assert front_desk.get(reverse("admin:estimator_serviceprice_import")).status_code == 403


# ---- billing manager -------------------------------------------------------------------------


def current_prices(clinic: Clinic, service_code: str, day: dt.date | None = None) -> list[Any]:
    """The clinic's prices of a session type in effect on day (today), shortest first."""
    return list(
        ServicePrice.objects.filter(clinic=clinic, service__code=service_code)
        .filter(in_effect(day or clinic.today()))
        .order_by("duration_minutes")
    )


def test_billing_manager_raises_prices_by_ten_percent_after_a_preview(
    billing_manager: Any,
) -> None:
    clinic = Clinic.objects.get(slug="cascade")
    start = clinic.today() + DAY * 7
    old = current_prices(clinic, "dry-needling-1-2", start)
    assert [p.amount for p in old] == [Money("65.00", "USD"), Money("85.00", "USD")]
    post = {
        "action": "change_prices",
        "_selected_action": [p.pk for p in old],
        "how": "percent",
        "by": "10",
        "effective_from": start.isoformat(),
    }
    preview = billing_manager.post(reverse(PRICES), {**post, "_preview": "Preview"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "$65.00" in page and "$71.50" in page  # 65.00 + 10 %
    assert "$85.00" in page and "$93.50" in page
    assert "Confirm: change 2 prices" in page
    assert ServicePrice.objects.filter(effective_from=start).count() == 0

    done = billing_manager.post(reverse(PRICES), {**post, "_confirm": "Confirm"})
    assert done.status_code == 302
    new = current_prices(clinic, "dry-needling-1-2", start)
    assert [p.amount for p in new] == [Money("71.50", "USD"), Money("93.50", "USD")]
    assert all(p.effective_from == start for p in new)
    for price in old:
        price.refresh_from_db()
        assert price.effective_to == start - DAY


def test_a_bulk_change_cannot_be_backdated(billing_manager: Any) -> None:
    clinic = Clinic.objects.get(slug="cascade")
    old = current_prices(clinic, "dry-needling-1-2")
    response = billing_manager.post(
        reverse(PRICES),
        {
            "action": "change_prices",
            "_selected_action": [p.pk for p in old],
            "how": "amount",
            "by": "5",
            "effective_from": (clinic.today() - DAY).isoformat(),
            "_confirm": "Confirm",
        },
    )
    assert response.status_code == 200
    assert "cannot be ended in the past" in response.content.decode()
    assert current_prices(clinic, "dry-needling-1-2") == old


def test_billing_manager_imports_a_price_list_after_a_dry_run(billing_manager: Any) -> None:
    clinic = Clinic.objects.get(slug="cascade")
    start = clinic.today() + DAY * 30
    url = reverse("admin:estimator_serviceprice_import")

    def dry_run(rows: list[str]) -> Any:
        text = "\n".join([",".join(COLUMNS), *rows]) + "\n"
        upload = SimpleUploadedFile("prices.csv", text.encode(), content_type="text/csv")
        return billing_manager.post(url, {"import_file": upload, "format": "0", "resource": "0"})

    # Errors are shown per row, beside the line they are on; nothing is saved.
    dry = dry_run(
        [
            f"cascade,dry-needling-1-2,15,oops,USD,{start},",
            f"cascade,dry-needling-1-2,30,80.00,USD,{clinic.today() - DAY * 3},",
        ]
    )
    page = dry.content.decode()
    assert dry.status_code == 200
    assert "Some rows failed to validate" in page
    assert "“oops” is not an amount" in page
    assert "A price cannot start before today" in page
    assert dry.context.get("confirm_form") is None
    dry = dry_run([f"nowhere,dry-needling-1-2,15,90.00,USD,{start},"])
    assert "No clinic has the short name “nowhere”" in dry.content.decode()
    assert "Traceback" not in dry.content.decode()

    # A price increase in one file: end the current row, add the next one.
    (old,) = [p for p in current_prices(clinic, "dry-needling-1-2") if p.duration_minutes == 15]
    dry = dry_run(
        [
            f"cascade,dry-needling-1-2,15,{old.amount.amount},USD,{old.effective_from},"
            f"{start - DAY}",
            f"cascade,dry-needling-1-2,15,95.00,USD,{start},",
        ]
    )
    assert dry.status_code == 200, dry.content.decode()[:3000]
    assert not ServicePrice.objects.filter(effective_from=start).exists()  # a dry run
    confirm = dry.context["confirm_form"].initial
    done = billing_manager.post(reverse("admin:estimator_serviceprice_process_import"), confirm)
    assert done.status_code == 302
    old.refresh_from_db()
    assert old.effective_to == start - DAY
    new = ServicePrice.objects.get(effective_from=start, service=old.service, clinic=clinic)
    assert new.amount == Money("95.00", "USD")


def test_the_price_list_exports_as_csv(billing_manager: Any) -> None:
    response = billing_manager.post(
        reverse("admin:estimator_serviceprice_export"),
        {"format": "0", "resource": "0", **{f"servicepriceresource_{f}": "on" for f in COLUMNS}},
    )
    lines = response.content.decode().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert any(line.startswith("cascade,dry-needling-1-2,15,") for line in lines)


COLUMNS = list(ServicePriceResource.Meta.fields)


def test_billing_manager_runs_the_monthly_report(billing_manager: Any) -> None:
    estimate_issue(estimate=priced_estimate(), by="test")
    estimate_issue(estimate=priced_estimate(), by="test")
    priced_estimate()  # a draft: not in the report
    url = reverse("admin:estimator_estimate_report")
    page = billing_manager.get(url).content.decode()
    assert "November 2026" in page and "Cascade Needling" in page
    rows = billing_manager.get(url, {"format": "csv"}).content.decode().splitlines()
    assert rows[0].startswith("month,clinic,currency,issued,issued total")
    assert rows[1].startswith("2026-11,Cascade Needling & Physical Therapy,USD,2,")


def test_billing_manager_duplicates_a_plan_with_its_rules(billing_manager: Any) -> None:
    plan = InsurancePlan.objects.filter(rules__isnull=False).distinct().first()
    assert plan is not None
    billing_manager.post(
        reverse("admin:estimator_insuranceplan_changelist"),
        {"action": "duplicate", "_selected_action": [plan.pk]},
    )
    copy = InsurancePlan.objects.get(name=f"Copy of {plan.name}")
    assert copy.active is False and copy.payer_id == plan.payer_id
    assert CoverageRule.objects.filter(plan=copy).count() == plan.rules.count()


def test_new_session_type_is_offered_after_the_existing_ones(billing_manager: Any) -> None:
    page = billing_manager.get(reverse("admin:estimator_servicetype_add"))
    highest = max(ServiceType.objects.values_list("order", flat=True))
    assert page.context["adminform"].form.initial["order"] == highest + 1


def test_session_type_form_shows_and_sets_its_add_ons(billing_manager: Any) -> None:
    service = ServiceType.objects.get(code="dry-needling-1-2")
    url = reverse("admin:estimator_servicetype_change", args=[service.pk])
    form = billing_manager.get(url).context["adminform"].form
    offered = {a.pk for a in form.initial.get("add_ons", [])} or {
        a.pk for a in form.fields["add_ons"].initial
    }
    assert offered == set(service.add_ons.values_list("pk", flat=True)) != set()
