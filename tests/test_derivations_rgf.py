"""RGF relaxation chains and the GSPO TV bound (RGF-2, RGF-3 symbolic part): statuses and negative controls."""

from __future__ import annotations

import pytest

from derivations import rgf  # noqa: F401  (registers the checks)
from fiberpo_check import check_registry
from fiberpo_check.verdicts import Status, decide

from .derivation_status import PRODUCER, control_cases, row, run, statuses

S = Status
EXPECTED = {
    "RGF-2": (S.TYPO, {"decoupling to 1 ± 2ε": S.REFUTED, "Pinsker constant ¼": S.REFUTED}),
    "RGF-3": (S.APPROXIMATE, {"δ claimed 0.14": S.REFUTED, "Pinsker constant ¼": S.REFUTED}),
}
PARTS = {
    "RGF-2": {"RGF-2/decoupling": S.PROVED, "RGF-2/gspo-activation": S.PROVED, "RGF-2/gspo-case2": S.PROVED,
              "RGF-2/gspo-case2-average": S.REFUTED, "RGF-2/gspo-pinsker": S.TYPO,
              "RGF-2/log-approximation": S.APPROXIMATE},
    "RGF-3": {"RGF-3/kl-bound": S.APPROXIMATE, "RGF-3/jensen": S.PROVED, "RGF-3/pinsker": S.PROVED,
              "RGF-3/remark-3.6": S.PROVED},
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


def test_pinsker_slip_has_counterexample_and_checked_intended_reading():
    (step4,) = [s for s in run("RGF-2") if s.id == "RGF-2/gspo-pinsker"]
    outcome = step4.outcomes[0]
    assert outcome.holds is False and outcome.counterexample
    assert decide(outcome.intended) is S.PROVED
