"""Fiber Bundle Gating (FBG-1, FBG-2): statuses on the paper's ingredients and under each negative control."""

from __future__ import annotations

import pytest

from derivations import fbg  # noqa: F401  (registers the checks)
from fiberpo_check import check_registry
from fiberpo_check.verdicts import Status

from .derivation_status import PRODUCER, control_cases, row, run, statuses

S = Status
EXPECTED = {
    "FBG-1": (S.PROVED, {"kernel 1/(T + 1)": S.REFUTED}),
    "FBG-2": (S.REFUTED, {"base gate slope 2": S.REFUTED,
                          "unit base slope not stated, unit weights": S.HOLDS_WITH_CONDITIONS}),
}
PARTS = {
    "FBG-2": {"FBG-2/gate-identity": S.PROVED, "FBG-2/true-gradient": S.REFUTED, "FBG-2/unit-weights": S.PROVED},
}


@pytest.mark.parametrize("claim_id", EXPECTED)
def test_paper_status(claim_id):
    assert row(claim_id) == EXPECTED[claim_id][0]
    assert set(check_registry.checks(PRODUCER, claim_id)[0].controls) == set(EXPECTED[claim_id][1])


@pytest.mark.parametrize("claim_id", PARTS)
def test_substatement_statuses(claim_id):
    assert statuses(claim_id) == PARTS[claim_id]


@pytest.mark.parametrize("claim_id, control, status", control_cases(EXPECTED))
def test_control_reaches_negative_status(claim_id, control, status):
    assert row(claim_id, control) == status


def test_true_gradient_counterexample_is_exact():
    (grad,) = [s for s in run("FBG-2") if s.id == "FBG-2/true-gradient"]
    assert "p = 1/2" in grad.outcomes[0].counterexample
