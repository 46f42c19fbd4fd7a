"""Self-pay pricing: list prices on the session date, the cash discount, prepaid packages."""

from datetime import date, timedelta
from decimal import Decimal as D

from builders import (
    START,
    catalog,
    day,
    item,
    line,
    package,
    plan,
    prices,
    session_patient,
    with_service_prices,
)

from estimator.pricing import PricePeriod, SelfPay, SelfPayDiscount, Treatment, estimate_plan


def test_self_pay_session_costs_the_list_price():
    # DN 30 min lists at 90.00; no discount, no insurance.
    est = estimate_plan(plan(item("DN", 30)), catalog(), SelfPay())
    ln = line(est)
    assert (ln.charge, ln.discount, ln.patient_pays, ln.plan_pays) == (
        D("90.00"),
        D("0"),
        D("90.00"),
        D("0"),
    )
    assert ln.treatment is Treatment.SELF_PAY
    assert est.best is None and not est.is_range


def test_self_pay_discount_rounds_half_up_on_each_line():
    # 12.5% of 61.00 = 7.625 -> 7.63 half up (half-even would give 7.62); 61.00 - 7.63 = 53.37.
    cat = catalog(self_pay_discount=SelfPayDiscount(D("12.5")))
    ln = line(estimate_plan(plan(item("DN", 15)), cat, SelfPay()))
    assert (ln.discount, ln.patient_pays) == (D("7.63"), D("53.37"))


def test_self_pay_discount_applies_to_addons_too():
    # 10% off: needling 90.00 - 9.00 = 81.00; e-stim 20.00 - 2.00 = 18.00; total 99.00.
    cat = catalog(self_pay_discount=SelfPayDiscount(D("10")))
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), cat, SelfPay())
    assert line(est, code="ESTIM").discount == D("2.00")
    assert est.primary.totals.discount == D("11.00")
    assert est.primary.totals.patient_pays == D("99.00")


def test_six_pack_is_bought_when_cheaper_than_six_singles():
    # 6 x 90.00 = 540.00 singly; the package is 450.00 -> each session's share 75.00, saves 90.00.
    est = estimate_plan(plan(item("DN", 30, 6)), catalog(), SelfPay())
    totals = est.primary.totals
    assert (totals.charge, totals.discount, totals.patient_pays) == (
        D("540.00"),
        D("90.00"),
        D("450.00"),
    )
    (bought,) = est.primary.packages
    assert bought.code == "DN6"
    assert bought.session_numbers == (1, 2, 3, 4, 5, 6)
    assert (bought.singles_cost, bought.savings) == (D("540.00"), D("90.00"))
    assert (bought.first_use, bought.valid_until) == (START, START + timedelta(days=59))
    ln = line(est, session=3)
    assert (ln.treatment, ln.discount, ln.patient_pays) == (
        Treatment.PACKAGE,
        D("15.00"),
        D("75.00"),
    )


def test_package_first_then_singles_for_eight_sessions():
    # 450.00 for sessions 1-6, then 2 singles at 90.00 = 630.00 (vs 720.00 singly, 900.00 for two).
    est = estimate_plan(plan(item("DN", 30, 8)), catalog(), SelfPay())
    assert est.primary.totals.patient_pays == D("630.00")
    assert est.primary.packages[0].session_numbers == (1, 2, 3, 4, 5, 6)
    assert line(est, session=7).treatment is Treatment.SELF_PAY


def test_package_bought_with_unused_sessions_when_still_cheaper():
    # 5 sessions: singly 450.00; a 400.00 six-pack is cheaper even with one session unused.
    cat = catalog(packages=(package(price=D("400.00")),))
    est = estimate_plan(plan(item("DN", 30, 5)), cat, SelfPay())
    assert est.primary.totals.patient_pays == D("400.00")
    assert session_patient(est) == [D("80.00")] * 5
    assert "package_sessions_unused" in [w.code for w in est.warnings]


def test_package_that_saves_nothing_is_not_bought():
    # 5 sessions: 5 x 90.00 = 450.00 = the package price -> pay singly.
    est = estimate_plan(plan(item("DN", 30, 5)), catalog(), SelfPay())
    assert est.primary.packages == ()
    assert est.primary.totals.patient_pays == D("450.00")


def test_package_covers_only_sessions_within_its_valid_days():
    # Valid 30 days from first use: weekly days 0..28 (5 sessions) fit, day 35 does not.
    # 400.00 + 90.00 = 490.00 < 540.00 singly.
    cat = catalog(packages=(package(price=D("400.00"), valid_days=30),))
    est = estimate_plan(plan(item("DN", 30, 6)), cat, SelfPay())
    assert est.primary.totals.patient_pays == D("490.00")
    assert est.primary.packages[0].session_numbers == (1, 2, 3, 4, 5)
    assert est.primary.packages[0].valid_until == day(29)


def test_package_price_split_over_sessions_adds_up_to_the_cent():
    # 451.00 / 6 = 75.1666..: 75.16 each, the 4 leftover cents to the first four sessions.
    cat = catalog(packages=(package(price=D("451.00")),))
    est = estimate_plan(plan(item("DN", 30, 6)), cat, SelfPay())
    assert session_patient(est) == [D("75.17")] * 4 + [D("75.16")] * 2
    assert est.primary.totals.patient_pays == D("451.00")


def test_self_pay_discount_does_not_apply_to_package_price():
    # 10% off singles: 81.00 each. 6 sessions: 486.00 singly > 450.00 package.
    # 5 sessions: 405.00 singly < 450.00 package.
    cat = catalog(self_pay_discount=SelfPayDiscount(D("10")))
    six = estimate_plan(plan(item("DN", 30, 6)), cat, SelfPay())
    five = estimate_plan(plan(item("DN", 30, 5)), cat, SelfPay())
    assert six.primary.totals.patient_pays == D("450.00")
    assert five.primary.totals.patient_pays == D("405.00")


def test_package_only_pays_for_its_own_duration():
    # The six-pack is for 30-minute sessions: six 15-minute sessions pay 6 x 61.00 = 366.00.
    est = estimate_plan(plan(item("DN", 15, 6)), catalog(), SelfPay())
    assert est.primary.packages == ()
    assert est.primary.totals.patient_pays == D("366.00")


def test_price_change_mid_plan_uses_the_price_on_each_session_date():
    # 90.00 until 2026-03-16 (exclusive), 95.00 from it: 03-02, 03-09 at 90.00, 03-16 at 95.00.
    cut = date(2026, 3, 16)
    periods = (
        PricePeriod(date(2020, 1, 1), cut, D("90.00")),
        PricePeriod(cut, None, D("95.00")),
    )
    cat = with_service_prices(catalog(packages=()), "DN", 30, periods)
    est = estimate_plan(plan(item("DN", 30, 3)), cat, SelfPay())
    assert session_patient(est) == [D("90.00"), D("90.00"), D("95.00")]
    assert est.primary.totals.patient_pays == D("275.00")


def test_assessment_then_needling_sessions_run_in_order():
    # 2 a week: days 0, 3, 7. Assessment 120.00, then two needling + e-stim at 110.00 = 340.00.
    req = plan(item("EVAL", 45), item("DN", 30, 2, "ESTIM"), per_week=2)
    est = estimate_plan(req, catalog(), SelfPay())
    assert est.schedule == (day(0), day(3), day(7))
    assert [s.item_index for s in est.primary.sessions] == [0, 1, 1]
    assert est.primary.totals.patient_pays == D("340.00")


def test_self_pay_line_prices_are_unchanged_by_an_unused_price_period():
    cat = with_service_prices(catalog(), "DN", 30, prices("90.00") + prices("80.00", day(400)))
    est = estimate_plan(plan(item("DN", 30)), cat, SelfPay())
    assert est.primary.totals.patient_pays == D("90.00")
