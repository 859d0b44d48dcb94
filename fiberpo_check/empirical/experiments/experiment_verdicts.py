"""Ledger verdicts of the experiments, gathered: APC-6 and EMP-3 (bandit_verdicts), EMP-4 and RGF-3 (lm_verdicts)."""

from __future__ import annotations

from fiberpo_check.empirical.experiments.bandit_verdicts import bandit_verdicts
from fiberpo_check.empirical.experiments.lm_verdicts import lm_verdicts
from fiberpo_check.vocabulary.verdicts import Verdict


def compute(bandit: dict | None, lm: dict | None) -> list[Verdict]:
    """Every verdict whose inputs are present."""
    found = []
    if bandit is not None:
        found += bandit_verdicts(bandit)
    if lm is not None:
        found += lm_verdicts(lm)
    return found
