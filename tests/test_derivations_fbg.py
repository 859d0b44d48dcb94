"""Fiber Bundle Gating (FBG-1, FBG-2): statuses on the paper's ingredients and under each negative control."""

from __future__ import annotations

from fiberpo_check.vocabulary.verdicts import Status

from .derivation_status import group_tests, substatement

S = Status
EXPECTED = {
    "FBG-1": (S.PROVED, {"kernel 1/(T + 1)": S.REFUTED}),
    "FBG-2": (S.REFUTED, {"base gate slope 2": S.REFUTED,
                          "unit base slope not stated, unit weights": S.HOLDS_WITH_CONDITIONS}),
}
PARTS = {
    "FBG-2": {"FBG-2/gate-identity": S.PROVED, "FBG-2/true-gradient": S.REFUTED, "FBG-2/unit-weights": S.VERIFIED_BOUNDED},
}


test_paper_status, test_substatement_statuses, test_control_reaches_negative_status = group_tests(EXPECTED, PARTS)


def test_true_gradient_counterexample_is_exact():
    grad = substatement("FBG-2", "FBG-2/true-gradient")
    assert "p = 1/2" in grad.outcomes[0].counterexample
