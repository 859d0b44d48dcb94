"""EMP-1 in exact rationals and EMP-2 as a named metric: statuses follow the computations, controls reach negatives."""

import pytest

from fiberpo_check.verification.checks.verify_suite import CHECKS
from fiberpo_check.verification.checks import first_order_exact as exact
from fiberpo_check.verification.checks.first_order_verdicts import (
    better,
    emp1_check,
    emp1_substatements,
    emp2_check,
    emp2_substatements,
    interpolate,
    paired,
    quick_settings,
)
from fiberpo_check.vocabulary.verdicts import Status


def test_exact_gradient_by_hand_on_the_smallest_tree():
    tree = exact.rational_tree(2, 2, 0)
    truth = exact.true_gradient(tree)
    # d/dtheta[s, b] J = sum_tau pi(tau) R(tau) sum_t ([b = a_t] - pi(b|s_t)); the score sums to 0 over b
    for state in range(2):
        assert truth[(state, 0)] + truth[(state, 1)] == 0
    value, grad = exact.surrogate_first_order(tree, "unit", "token")
    assert value == 0 and grad == truth
    assert exact.agreement(tree, "unit", "trajectory")["gradient_equal"]
    assert not exact.agreement(tree, "paper", "trajectory")["gradient_equal"]


def test_values_of_the_rational_tree_are_probabilities():
    tree = exact.rational_tree(3, 3, 4)
    assert sum(tree.probability(i) for i in range(len(tree.paths))) == 1
    assert all(sum(row) == 1 for row in tree.policy)
    with pytest.raises(ValueError, match="weights"):
        exact.surrogate_first_order(tree, "sqrt", "token")


def test_emp1_statuses_follow_the_exact_computation():
    """Thm 4.5 with the paper's 1/T_tau weights fails as stated (the exact weights are another objective, a remark);
    the same check with the exact weights as the claim is verified (the control that moves it)."""
    subs = {s.id: s.status for s in emp1_substatements(quick_settings())}
    assert subs["EMP-1/thm-4.5-paper-weights"] is Status.REFUTED
    assert subs["EMP-1/exact-weights"] is Status.VERIFIED_EXHAUSTIVELY
    exact_claim = {s.id: s.status for s in emp1_substatements(quick_settings(), claim=("unit", "token"))}
    assert exact_claim["EMP-1/thm-4.5-paper-weights"] is Status.VERIFIED_EXHAUSTIVELY
    wrong = {s.id: s.status for s in emp1_substatements(quick_settings(), condition=("paper", "token"))}
    assert wrong["EMP-1/exact-weights"] is Status.REFUTED


def test_paired_contrast_and_interpolation():
    up = paired([1.0, 2.0, 3.0, 4.0], [0.0, 0.9, 2.1, 2.9])
    assert up["estimate"] == pytest.approx(1.025) and better(up)
    assert not better(paired([1.0, 2.0, 3.0], [1.1, 1.9, 3.0]))
    assert interpolate([(0.1, 0.1), (0.4, 0.4)], 0.2) == pytest.approx(0.1 ** (2 / 3) * 0.4 ** (1 / 3))  # log-linear
    assert interpolate([(0.1, 0.1), (0.4, 0.4)], 0.9) == 0.4


def test_emp2_metric_and_its_positive_control():
    subs, data = emp2_substatements(quick_settings(), say=lambda _: None)
    assert {s.id for s in subs} == {"EMP-2/direction", "EMP-2/direction-without-rollback"}
    assert set(data["contrasts"]) >= {"fiberpo-ppo", "fiberpo-gspo", "fiberpo-fiberpo_cutoff"}
    rivals_ascend_minus_j = {s.id: s.status for s in emp2_substatements(
        quick_settings(), say=lambda _: None, sign={"ppo": -1.0, "gspo": -1.0})[0]}
    assert rivals_ascend_minus_j["EMP-2/direction"] is Status.SUPPORTED


def test_registered_controls_reach_negative_statuses():
    found = {(c.claim_id, n): [s.status for s in control() if s.role == "result"]
             for c in CHECKS if c.claim_id in ("EMP-1", "EMP-2")
             for n, control in c.controls.items()}
    assert found[("EMP-1", "exact-weights-replaced-by-1/T")] == [Status.REFUTED]
    assert found[("EMP-2", "fiberpo-ascends-minus-J")] == [Status.NOT_SUPPORTED]


def test_checks_fill_their_sinks_for_the_figures():
    emp1_sink, emp2_sink = {}, {}
    emp1 = emp1_check({"first_order": "quick"}, sink=emp1_sink)
    emp2 = emp2_check({"first_order": "quick"}, sink=emp2_sink)
    assert [s.id for s in emp1][0].startswith("EMP-1/") and [s.id for s in emp2][0] == "EMP-2/direction"
    assert emp1_sink["second_order"] and set(emp2_sink) == {"matched", "rows", "contrasts"}
