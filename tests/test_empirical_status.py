"""The empirical branch of decide(): matched budgets by measured drift, Holm across a claim's contrasts, replication
on held-out seeds, and the power statement; each branch driven to its status and reason."""

from __future__ import annotations

import pytest

from fiberpo_check.vocabulary.verdicts import Contrast, Outcome, Replication, Status, decide, holm, outcome_text

REPLICATES = Replication(0.3, 0.1, 0.5, 0.01, 5, "15-19")
FAILS_TO_REPLICATE = Replication(0.05, -0.2, 0.3, 0.64, 5, "15-19")
REVERSES = Replication(-0.3, -0.5, -0.1, 0.01, 5, "15-19")


def contrast(estimate=0.3, low=0.1, high=0.5, p=0.01, **changes):
    """A matched (drifts within x1.5), powered, replicated contrast claimed positive, with `changes` applied."""
    fields = dict(drifts=(0.030, 0.034), replication=REPLICATES, detectable_effect=0.1, effect_of_interest=0.2)
    return Contrast("reward gain", 1, estimate, low, high, p, "0.1M params", **{**fields, **changes})


def status(c: Contrast) -> Status:
    return decide(Outcome("empirical", "training", "miniature", contrast=c))


@pytest.mark.parametrize("c, expected, reason", [
    (contrast(), Status.REPRODUCED, ""),
    (contrast(-0.3, -0.5, -0.1, replication=REVERSES), Status.OPPOSITE_TENDENCY, ""),
    (contrast(0.02, -0.1, 0.14, 0.7), Status.NOT_REPRODUCED, ""),
    (contrast(drifts=(0.136, 0.062)), Status.INCONCLUSIVE, "budgets not matched"),
    # significant alone, not after Holm, and underpowered
    (contrast(p_holm=0.078, detectable_effect=0.5), Status.INCONCLUSIVE, "no power"),
    (contrast(p_holm=0.078, detectable_effect=0.05), Status.NOT_REPRODUCED, ""),  # powered null after Holm
    (contrast(0.02, -0.1, 0.14, 0.7, detectable_effect=0.5), Status.INCONCLUSIVE, "no power"),
    (contrast(0.02, -0.1, 0.14, 0.7, detectable_effect=None), Status.INCONCLUSIVE, "no power"),
    (contrast(0.02, -0.1, 0.14, 0.7, effect_of_interest=None), Status.INCONCLUSIVE, "no power statement"),
    (contrast(replication=FAILS_TO_REPLICATE), Status.INCONCLUSIVE, "did not replicate"),
    (contrast(replication=REVERSES), Status.INCONCLUSIVE, "did not replicate"),
    (contrast(replication=None), Status.INCONCLUSIVE, "no held-out"),
    (contrast(drifts=()), Status.REPRODUCED, ""),  # one run against a bound: no budgets to match
])
def test_every_branch(c, expected, reason):
    assert status(c) is expected
    assert (reason in c.inconclusive_reason) if reason else c.inconclusive_reason == ""
    text = outcome_text(Outcome("empirical", "training", "miniature", contrast=c))
    assert text.startswith(expected.value) and (not reason or reason in text)


def test_matched_is_computed_from_the_drifts():
    assert contrast(drifts=(0.02, 0.03)).matched_budgets
    assert not contrast(drifts=(0.02, 0.0301)).matched_budgets
    assert not contrast(drifts=(0.02, 0.03), drift_tolerance=1.2).matched_budgets
    with pytest.raises(ValueError, match="drifts"):
        contrast(drifts=(0.0, 0.1))


def test_holm_step_down():
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.013, 0.2, 0.3, 0.4, 0.5, 0.6]) == pytest.approx([0.078, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert holm([]) == []


def test_a_new_seed_set_cannot_flip_a_direction_silently():
    """Seeds 0-4 say 'opposite', held-out seeds 5-9 do not confirm: the status says why instead of flipping."""
    first = contrast(-0.03, -0.05, -0.01, 0.013, replication=Replication(0.004, -0.02, 0.03, 0.64, 5, "5-9"))
    assert status(first) is Status.INCONCLUSIVE and "did not replicate" in first.inconclusive_reason
    swapped = contrast(0.004, -0.02, 0.03, 0.64, replication=Replication(-0.03, -0.05, -0.01, 0.013, 5, "0-4"))
    assert status(swapped) in (Status.INCONCLUSIVE, Status.NOT_REPRODUCED)
    assert status(swapped) is not Status.OPPOSITE_TENDENCY
