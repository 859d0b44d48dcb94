"""Ledger verdicts of the experiments, gathered: APC-6 and EMP-3 (bandit_verdicts), EMP-4 and RGF-3 (lm_verdicts)."""

from __future__ import annotations

from fiberpo_check.empirical.experiments import bandit_verdicts as bandit_checks
from fiberpo_check.empirical.experiments import lm_verdicts as lm_checks
from fiberpo_check.empirical.experiments.bandit_verdicts import bandit_verdicts
from fiberpo_check.empirical.experiments.lm_verdicts import lm_verdicts
from fiberpo_check.vocabulary.check_registry import collect
from fiberpo_check.vocabulary.verdicts import Verdict

CHECKS = collect((bandit_checks, lm_checks))  # every check of the `experiments` producer (their controls: tests)


def compute(bandit: dict | None, lm: dict | None) -> list[Verdict]:
    """Every verdict whose inputs are present."""
    found = []
    if bandit is not None:
        found += bandit_verdicts(bandit)
    if lm is not None:
        found += lm_verdicts(lm)
    return found
