"""RGF relaxation chains and the GSPO TV bound (RGF-2, RGF-3 symbolic part): statuses and negative controls."""

from __future__ import annotations

from fiberpo_check.vocabulary.verdicts import Status, decide

from .derivation_status import group_tests, substatement

S = Status
EXPECTED = {
    "RGF-2": (S.INCONSISTENT, {"decoupling to 1 ± 2ε": S.REFUTED, "Pinsker constant ¼": S.INCONSISTENT,
                               "remark read with a common advantage": S.INCONSISTENT,
                               "token mean over T + 1": S.REFUTED}),
    "RGF-3": (S.PROVED, {"δ claimed 0.14": S.REFUTED, "Pinsker constant ¼": S.REFUTED,
                              "Jensen with E[X²]/2": S.REFUTED}),
}
PARTS = {
    "RGF-2": {"RGF-2/decoupling": S.PROVED, "RGF-2/gspo-activation": S.PROVED, "RGF-2/gspo-case2": S.PROVED,
              "RGF-2/gspo-case2-average": S.REFUTED, "RGF-2/gspo-pinsker": S.INCONSISTENT,
              "RGF-2/log-approximation": S.PROVED},
    "RGF-3": {"RGF-3/kl-bound": S.PROVED, "RGF-3/jensen": S.PROVED, "RGF-3/pinsker": S.PROVED,
              "RGF-3/remark-3.6": S.PROVED},
}


test_paper_status, test_substatement_statuses, test_control_reaches_negative_status = group_tests(EXPECTED, PARTS)


def test_pinsker_slip_has_counterexample_and_checked_intended_reading():
    """Step 4 applies Pinsker to the unhalved D̂_TV (the TV-estimator finding, inconsistent); with the ½ it holds."""
    step4 = substatement("RGF-2", "RGF-2/gspo-pinsker")
    outcome = step4.outcomes[0]
    assert outcome.holds is False and outcome.counterexample and "½" in outcome.conflict
    assert decide(outcome.intended) is S.PROVED
