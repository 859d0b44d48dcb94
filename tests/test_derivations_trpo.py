"""TRPO at γ = 1 (TRPO-1..4): statuses on the paper's ingredients and under each negative control."""

from __future__ import annotations

from fiberpo_check.vocabulary.verdicts import Status

from .derivation_status import group_tests, substatement

S = Status
EXPECTED = {
    "TRPO-1": (S.PROVED, {"radius not vanishing": S.REFUTED, "penalty bounded": S.REFUTED,
                          "TV without absolute values": S.PROVED}),  # refutes the remark tv-region (test_derivations_parametric)
    "TRPO-2": (S.PROVED, {"penalty halved": S.REFUTED, "value at radius c taken as c²M(s)": S.REFUTED,
                          "relaxed radius read as c* ≥ c": S.REFUTED}),
    "TRPO-3": (S.HOLDS_WITH_CONDITIONS, {"radius halved in D.11": S.REFUTED, "‖Â‖∞ halved in D.2": S.REFUTED}),
    "TRPO-4": (S.INCONSISTENT, {"ratio form without ½": S.REFUTED}),
}
PARTS = {
    "TRPO-2": {"TRPO-2/scaling-70": S.PROVED, "TRPO-2/scaling-71": S.PROVED, "TRPO-2/maximizer": S.PROVED,
               "TRPO-2/equalised": S.PROVED},
    "TRPO-1": {"TRPO-1/penalty": S.PROVED, "TRPO-1/radius": S.PROVED, "TRPO-1/tv-region": S.PROVED},
    "TRPO-3": {"TRPO-3/D.2": S.PROVED, "TRPO-3/D.11": S.PROVED, "TRPO-3/D.11-main-text": S.PROVED,
               "TRPO-3/D.12": S.HOLDS_WITH_CONDITIONS, "TRPO-3/D.12-equality": S.INCONSISTENT},
    "TRPO-4": {"TRPO-4/eq37": S.PROVED, "TRPO-4/eq39": S.INCONSISTENT},
}


test_paper_status, test_substatement_statuses, test_control_reaches_negative_status = group_tests(EXPECTED, PARTS)


def test_unsampled_state_counterexample_and_condition():
    d12 = substatement("TRPO-3", "TRPO-3/D.12")
    (outcome,) = d12.outcomes
    assert outcome.counterexample and outcome.condition and outcome.condition_holds


def test_eq39_conflict_names_both_definitions():
    eq39 = substatement("TRPO-4", "TRPO-4/eq39")
    assert "eq 34" in eq39.outcomes[0].conflict and "eq 39" in eq39.outcomes[0].conflict
    assert eq39.outcomes[0].counterexample
