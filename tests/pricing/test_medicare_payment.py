"""Medicare payment details: multiple-procedure reduction and the limiting charge."""

from decimal import Decimal as D

from builders import catalog, codes, insured, item, line, plan, rule, standing

from estimator.pricing import Network, PlanKind, estimate_plan

MET = standing(deductible_met="283.00")
TIMED = item("DN", 30, 1, "ESTIM_ATT", "MANUAL")
RULES = {
    ("addon", "ESTIM_ATT"): rule(fixed="15.50"),
    ("addon", "MANUAL"): rule(fixed="20.00"),
    ("addon", "ESTIM"): rule(fixed="12.00"),
}


def part_b(**changes):
    base = {
        "kind": PlanKind.MEDICARE,
        "deductible": D("283.00"),
        "oop_max": None,
        "rules": RULES,
    }
    return insured(MET, **{**base, **changes})


def test_mppr_cuts_the_later_therapy_units_of_the_day():
    # 8-minute rule: 22 + 22 = 44 minutes -> 97032 x 2, 97140 x 1. With a 20% reduction on
    # every therapy unit after the day's first:
    # 97032: 15.50 + 15.50 x 80% = 15.50 + 12.40 = 27.90 (not 31.00).
    # 97140: 20.00 x 80% = 16.00 (not 20.00). Coinsurance 20%: 5.58 and 3.20.
    est = estimate_plan(plan(TIMED), catalog(), part_b(mppr_percent=D("20")))
    estim, manual = line(est, code="ESTIM_ATT"), line(est, code="MANUAL")
    assert (estim.allowed, estim.coinsurance) == (D("27.90"), D("5.58"))
    assert (manual.allowed, manual.coinsurance) == (D("16.00"), D("3.20"))
    assert "MPPR" in estim.adjustments[0].message


def test_no_mppr_setting_allows_every_unit_in_full():
    est = estimate_plan(plan(TIMED), catalog(), part_b())
    assert (line(est, code="ESTIM_ATT").allowed, line(est, code="MANUAL").allowed) == (
        D("31.00"),
        D("20.00"),
    )


def test_non_participating_provider_is_paid_95_percent_and_limited_to_115_percent_of_it():
    # G0283 fee 12.00: non-par allowed 95% = 11.40; coinsurance 20% = 2.28, plan 9.12.
    # Limiting charge 115% x 11.40 = 13.11: the patient also owes 13.11 - 11.40 = 1.71;
    # the 20.00 - 13.11 = 6.89 above it may not be charged (written off). Patient 3.99.
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), part_b(network=Network.OUT))
    estim = line(est, code="ESTIM")
    assert (estim.allowed, estim.coinsurance, estim.plan_pays) == (
        D("11.40"),
        D("2.28"),
        D("9.12"),
    )
    assert (estim.balance_billed, estim.written_off, estim.patient_pays) == (
        D("1.71"),
        D("6.89"),
        D("3.99"),
    )
    assert codes(estim)[-3:] == ["balance_billed", "written_off", "plan_pays"]


def test_commercial_out_of_network_still_balance_bills_the_whole_difference():
    # Not Medicare: allowed 12.00 in full, the patient owes all 8.00 above it.
    rules = {("addon", "ESTIM"): rule(fixed="12.00")}
    est = estimate_plan(
        plan(item("DN", 30, 1, "ESTIM")),
        catalog(),
        insured(standing(deductible_met="500.00"), network=Network.OUT, rules=rules),
    )
    assert (line(est, code="ESTIM").allowed, line(est, code="ESTIM").balance_billed) == (
        D("12.00"),
        D("8.00"),
    )
