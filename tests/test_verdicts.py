"""The one rule: decide() turns an outcome into a status word; combine() and row_status() merge them."""

from __future__ import annotations

import pytest

from fiberpo_check.vocabulary.verdicts import (
    Contrast,
    Outcome,
    Replication,
    Status,
    SubStatement,
    combine,
    decide,
    outcome_text,
    row_status,
    worst,
)


def contrast(estimate, low, high, p):
    """A matched, powered contrast that replicates in its own direction."""
    return Contrast("tokens to threshold", 1, estimate, low, high, p, "0.4M params, 5 seeds, 200 steps", (0.01, 0.011),
                    replication=Replication(estimate, low, high, p, 5, "5-9"), detectable_effect=0.1,
                    effect_of_interest=0.2)


PROVED = Outcome("proof", "sympy", "all T", holds=True)
EXHAUSTIVE = Outcome("exhaustive", "exact-rationals", "T ≤ 4", holds=True)
FLOAT = Outcome("float", "float64", "grid", holds=True)


@pytest.mark.parametrize("outcome, status", [
    (PROVED, Status.PROVED),
    (EXHAUSTIVE, Status.VERIFIED_EXHAUSTIVELY),
    (FLOAT, Status.NOT_YET_CHECKED),  # float64 supports nothing alone
    # written with ≈ and its error of the stated order: proved (the error is quantified beside), not an erratum
    (Outcome("proof", "sympy", "T → ∞", holds=True, error="O(1/T)"), Status.PROVED),
    # written with = but true only up to an error: approximate
    (Outcome("proof", "sympy", "T → ∞", holds=False, error="O(1/T)"), Status.APPROXIMATE),
    (Outcome("proof", "z3", "T ≤ 8", holds=False, counterexample="T = 4"), Status.REFUTED),
    (Outcome("proof", "z3", "T ≤ 8", holds=False), Status.NOT_YET_CHECKED),  # no counterexample: nothing shown
    (Outcome("proof", "z3", "T ≤ 8", holds=False, counterexample="T = 4", condition="C⁻ < C⁺", condition_holds=True),
     Status.HOLDS_WITH_CONDITIONS),
    (Outcome("proof", "z3", "T ≤ 8", holds=False, counterexample="T = 4", condition="C⁻ < C⁺",
             condition_holds=False), Status.REFUTED),
    (Outcome("proof", "sympy", "all", holds=False, conflict="eq 34 vs eq 39", counterexample="x"),
     Status.INCONSISTENT),
    (Outcome("proof", "sympy", "all", holds=False, counterexample="x", intended=PROVED), Status.TYPO),
    (Outcome("proof", "sympy", "all", holds=False, counterexample="x", intended=FLOAT), Status.REFUTED),
    (Outcome("metric", "training", "cosine", holds=True), Status.SUPPORTED),
    (Outcome("metric", "training", "cosine", holds=False), Status.NOT_SUPPORTED),
    (Outcome("empirical", "training", "5 seeds", contrast=contrast(0.3, 0.1, 0.5, 0.01)), Status.REPRODUCED),
    (Outcome("empirical", "training", "5 seeds", contrast=contrast(-0.3, -0.5, -0.1, 0.01)),
     Status.OPPOSITE_TENDENCY),
    (Outcome("empirical", "training", "5 seeds", contrast=contrast(0.3, -0.1, 0.7, 0.2)), Status.NOT_REPRODUCED),
])
def test_decide(outcome, status):
    assert decide(outcome) is status
    assert outcome_text(outcome).startswith(status.value)


def test_combine_worst_negative_else_strongest_positive():
    refuting = Outcome("float", "float64", "grid", holds=False, counterexample="gap 0.3")
    assert combine([PROVED, refuting]) is Status.REFUTED
    assert combine([EXHAUSTIVE, PROVED, FLOAT]) is Status.PROVED
    assert combine([FLOAT]) is Status.NOT_YET_CHECKED


def test_row_status_reads_results_and_leaves_remarks_beside_the_row():
    bad = Outcome("proof", "z3", "T ≤ 8", holds=False, counterexample="T = 4")
    result = SubStatement("X-1/a", "a", "p. 1", (PROVED,))
    remark = SubStatement("X-1/b", "b", "p. 1", (bad,), role="remark")
    assert row_status([result, remark]) is Status.PROVED
    assert row_status([remark]) is Status.REFUTED  # a claim with remarks only


def test_severity_order_and_bad_input():
    assert worst([Status.PROVED, Status.APPROXIMATE, Status.NOT_YET_CHECKED]) is Status.APPROXIMATE
    assert f"{Status.TYPO}" == "typo"
    with pytest.raises(ValueError, match="method"):
        Outcome("guess", "x", "y", holds=True)
    with pytest.raises(ValueError, match="holds"):
        Outcome("proof", "x", "y")
    with pytest.raises(ValueError, match="contrast"):
        Outcome("empirical", "x", "y", holds=True)
    with pytest.raises(ValueError, match="role"):
        SubStatement("X-1/a", "a", "p. 1", (), role="aside")
