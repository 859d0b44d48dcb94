"""RGF-1: the RGF forms equal the standard losses (SymPy and z3 proofs, float64 cross-check); mutants are refuted."""

from fiberpo_check.verification.checks import rgf_exact
from fiberpo_check.verification.checks.rgf_forms import (
    grpo_with_ppo_weights,
    rgf_forms_check,
    unsigned_gate,
    without_min,
)


def statuses(subs):
    return {s.id: s.status.value for s in subs}


def test_rgf_forms_proved_by_both_engines():
    subs = rgf_forms_check()
    assert set(statuses(subs).values()) == {"proved"}
    for sub in subs:
        assert {o.engine for o in sub.outcomes} == {"sympy", "z3", "float64 (torch)"}
        assert all(o.holds for o in sub.outcomes)


def test_gate_without_sign_is_refuted_with_an_exact_counterexample():
    subs = {s.id: s for s in rgf_forms_check(gate=unsigned_gate)}
    assert subs["RGF-1/ppo"].status == "refuted"
    text = subs["RGF-1/ppo"].outcomes[0].counterexample
    assert "Â = -1" in text and "≠" in text  # negative advantages: the unsigned gate takes the wrong side of the min


def test_exact_rationals_confirm_the_counterexample_independently():
    rgf, standard = rgf_exact.fraction_gate_term(rgf_exact.Fraction(2), rgf_exact.Fraction(1, 2),
                                                 rgf_exact.Fraction(-1), signed=False)
    assert rgf != standard
    assert rgf_exact.fraction_gate_term(rgf_exact.Fraction(2), rgf_exact.Fraction(1, 2), rgf_exact.Fraction(-1)) == (
        -2, -2)


def test_float_mutants_are_refuted():
    for mutated in (grpo_with_ppo_weights, without_min):
        assert "refuted" in statuses(rgf_forms_check(rgf=mutated)).values()
