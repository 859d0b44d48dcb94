"""APC-Obj (APC-1..5): statuses on the paper's ingredients and under each negative control."""

from __future__ import annotations

import functools
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations import apc
from derivations.formula import unfold
from derivations.provers import evaluate_exact, substatements
from fiberpo_check.vocabulary.verdicts import Status

from .derivation_status import group_tests, substatement

S = Status
EXPECTED = {
    "APC-1": (S.INCONSISTENT, {"eq 72 off t*": S.REFUTED}),
    "APC-2": (S.PROVED, {"Kronecker delta dropped": S.REFUTED}),
    "APC-3": (S.PROVED, {"no centering": S.REFUTED}),
    "APC-4": (S.VERIFIED_BOUNDED, {"bound without the consumed budget": S.REFUTED}),
    "APC-5": (S.PROVED, {"rollback threshold without 1/T_s": S.REFUTED}),
}
PARTS = {
    "APC-1": {"APC-1/same-delta": S.INCONSISTENT, "APC-1/eq72-is-tstar": S.PROVED, "APC-1/normalisation": S.PROVED},
    "APC-4": {"APC-4/D.9-1": S.VERIFIED_BOUNDED, "APC-4/D.9-2": S.VERIFIED_BOUNDED, "APC-4/soft-threshold": S.PROVED},
}


test_paper_status, test_substatement_statuses, test_control_reaches_negative_status = group_tests(EXPECTED, PARTS)


def test_strict_retraction_takes_the_proofs_positive_radius():
    """Lemma D.9 (2) is checked with the 0 < δ its proof writes (p. 38): it holds, up to its bound."""
    outcome = substatement("APC-4", "APC-4/D.9-2").outcomes[0]
    assert outcome.holds and outcome.bound and not outcome.condition


def test_the_two_deltas_differ_by_a_factor():
    same = substatement("APC-1", "APC-1/same-delta")
    assert same.outcomes[0].counterexample and "eq 72" in same.outcomes[0].conflict


@pytest.mark.slow
def test_retraction_proved_for_larger_states():
    """z3 proves Lemma D.9 (1) for every multiplicity pattern up to T_s = 5 (the build stops at RETRACTION_TS): a
    bounded check, named as such."""
    subs = {s.id: s for s in substatements(apc.check_apc4(t_max=5))}
    assert subs["APC-4/D.9-1"].status == S.VERIFIED_BOUNDED and subs["APC-4/D.9-2"].status == S.VERIFIED_BOUNDED
    assert subs["APC-4/D.9-1"].outcomes[0].bound == "T_s ≤ 5"


PATTERNS = ((2, 2), (3, 1), (2, 1, 1), (1, 1, 1, 1), (3, 2, 1))  # states with T_s = 4..6, beyond the z3 domain


@functools.lru_cache(maxsize=None)
def retraction_formula(ns: tuple, strict: bool):
    """Lemma D.9's hypotheses and conclusion for one multiplicity pattern, unfolded once."""
    hyps, conclusion = apc.retraction(strict)(ns, "x")
    return [unfold(h) for h in hyps], unfold(conclusion)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.sampled_from(PATTERNS), st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=12), min_size=4,
                                           max_size=4),
       st.fractions(min_value=Fraction(1, 50), max_value=2, max_denominator=50), st.booleans())
def test_retraction_beyond_the_proved_domain(ns, values, delta, strict):
    """Lemma D.9's formula, evaluated in exact rationals at random points of states with T_s = 4..6."""
    us = values[: len(ns)]
    us[-1] = -sum(n * u for n, u in zip(ns[:-1], us[:-1])) / ns[-1]  # probability constraint (65)
    hyps, conclusion = retraction_formula(ns, strict)
    point = {sp.Symbol(f"ux_{i}", real=True): Fraction(u) for i, u in enumerate(us, start=1)}
    point[sp.Symbol("delta", nonnegative=True)] = delta
    if all(evaluate_exact(h, point) for h in hyps):
        assert evaluate_exact(conclusion, point)
