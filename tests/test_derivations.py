"""Derivation machinery: statements, both provers and their agreement, exact counterexamples, the FPO/FGH/DER
verdicts and controls, the exact gates against the torch engine, and LaTeX that compiles from any folder."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from fractions import Fraction

import pytest
import sympy as sp
import torch

from derivations import der, fgh, fpo
from derivations.build import PREAMBLE
from fiberpo_check import paths
from fiberpo_check.engine.exact_gates import fiber_log_gate
from derivations.formula import Family, Part, Statement, log_fiberpo_gate, unfold, var, variables
from derivations.provers import (
    DerivationError,
    ProverDisagreement,
    check_part,
    decide_claim,
    evaluate_exact,
    is_counterexample,
    substatements,
)
from fiberpo_check import fiberpo_gate
from fiberpo_check.vocabulary.verdicts import Status, row_status

x = var("x")


def test_z3_counterexample_is_minimised_and_exact():
    decision = decide_claim(Statement(x <= 0, (x > sp.Rational(1, 3),)))
    assert decision.counterexample[1] == "x = 1"


def test_family_reports_the_smallest_t():
    def statement(big_t):  # false exactly from T = 3 on: T·x ≤ 2 under 0 < x ≤ 1
        return Statement(big_t * x <= 2, (x > 0, x <= 1))

    decision = decide_claim(Family(statement, 6))
    assert decision.counterexample[0] == 3 and decision.counterexample[1] == "x = 1"


def test_sympy_and_z3_must_agree(monkeypatch):
    monkeypatch.setattr("derivations.provers.sympy_decide", lambda statement: "proved")
    with pytest.raises(ProverDisagreement):
        decide_claim(Statement(sp.Eq(x, 2 * x)))


def test_both_engines_prove_an_identity():
    decision = decide_claim(Statement(sp.Eq(sp.Abs(x) ** 2, x**2, evaluate=False)))
    assert set(decision.proved) == {"sympy", "z3"} and decision.counterexample is None


def test_exact_evaluator_checks_a_counterexample_independently():
    statement = Statement(sp.Eq(sp.Abs(x), x))
    assert is_counterexample(statement, {x: Fraction(-1)}) and not is_counterexample(statement, {x: Fraction(2)})


def test_failing_support_step_breaks_the_build():
    part = Part("X-1/p", "p. 0", Statement(sp.Eq(x, x)), support=[Statement(sp.Eq(x, 2 * x))])
    with pytest.raises(DerivationError, match="X-1/p"):
        check_part(part)


def test_statement_domain_is_part_of_the_proof():
    positive = var("y", "positive")
    assert decide_claim(Statement(sp.Gt(sp.Abs(positive), 0, evaluate=False))).counterexample is None
    assert decide_claim(Statement(sp.Abs(x) > 0)).counterexample is not None


def test_fpo1_l1_counterexample_is_at_t3():
    """The step that once read 'G-I and L-I ⇒ G = r' as proved: with L-I as defined (max |u_i| < ε), false at T = 3."""
    part = next(p for p in fpo.check_fpo1() if p.id == "FPO-1/L-I")
    (outcome,) = check_part(part).outcomes
    assert outcome.counterexample.startswith("T = 3:") and outcome.condition_holds
    assert check_part(part).substatement().status is Status.HOLDS_WITH_CONDITIONS


PAPER = {  # row status with the paper's ingredients
    fpo.check_fpo2: Status.PROVED, fpo.check_fpo4: Status.PROVED, fpo.check_fpo5: Status.HOLDS_WITH_CONDITIONS,
    fpo.check_fpo8: Status.PROVED, fpo.check_fpo9: Status.HOLDS_WITH_CONDITIONS, fgh.check_fgh1: Status.PROVED,
    fgh.check_fgh2: Status.PROVED, fgh.check_fgh3: Status.PROVED, fgh.check_fgh4: Status.PROVED,
}
MUTATED = [
    (fpo.check_fpo2, {"gamma_slope": fpo.rollback_slope_times}, Status.REFUTED),
    (fpo.check_fpo4, {"scale": 2}, Status.REFUTED),
    (fpo.check_fpo5, {"gamma_slope": fpo.rollback_slope_times, "condition": False}, Status.REFUTED),
    (fpo.check_fpo8, {"second_order": sp.Integer(1)}, Status.REFUTED),
    (fgh.check_fgh1, {"residual": lambda s, k, p: s - 2 * k * p * s, "gates": fgh.doubling}, Status.REFUTED),
    (fgh.check_fgh3, {"slopes": (1, 2, 1, 1)}, Status.REFUTED),
    (fgh.check_fgh4, {"residual": lambda s, k, p: s - 2 * k * p * s}, Status.REFUTED),
    (fgh.check_fgh2, {"kernel0": fgh.token_share}, Status.REFUTED),
]


@pytest.mark.parametrize("check", list(PAPER), ids=lambda c: c.__name__)
def test_paper_status(check):
    assert row_status(substatements(check())) is PAPER[check]


@pytest.mark.parametrize("check, mutation, status", MUTATED, ids=[m[0].__name__ for m in MUTATED])
def test_mutated_ingredients_refute(check, mutation, status):
    assert row_status(substatements(check(**mutation))) is status


@pytest.mark.slow
@pytest.mark.parametrize("check, status", [(fpo.check_fpo1, Status.PROVED),  # G-I read with p. 13's decoupling |u|, |v| ≤ ε
                                           (fpo.check_fpo6, Status.PROVED),
                                           (der.check_der1, Status.REFUTED),
                                           (der.check_der2, Status.HOLDS_WITH_CONDITIONS)],
                         ids=lambda c: getattr(c, "__name__", str(c)))
def test_slow_paper_status(check, status):
    assert row_status(substatements(check())) is status


def test_fpo2_remark_is_not_folded_into_the_row():
    subs = substatements(fpo.check_fpo2())
    by_id = {s.id: s for s in subs}
    assert by_id["FPO-2/eq20"].status is Status.PROVED
    assert by_id["FPO-2/L-III-shortcut"].role == "remark"
    assert by_id["FPO-2/L-III-shortcut"].status is Status.HOLDS_WITH_CONDITIONS


# ---------------------------------------------------------------- item 7: exact gates against the torch engine


def regime_cases():
    """(ℓ, C⁺, C⁻, ε) covering every base regime pair (P, R, Z per channel), saturated and free fiber clips, ℓ = 0."""
    values = (Fraction(-3, 4), Fraction(-1, 8), Fraction(0), Fraction(1, 8), Fraction(3, 4))
    for ell in itertools.product(values, repeat=3):
        pos = sum(max(v, 0) for v in ell) / 3
        neg = sum(max(-v, 0) for v in ell) / 3
        for r_pos, r_neg in itertools.product("PRZ", repeat=2):
            budget = {"P": lambda s: s + 1, "R": lambda s: s * Fraction(8, 9), "Z": lambda s: s / 2}
            if (pos == 0 and r_pos != "P") or (neg == 0 and r_neg != "P"):
                continue
            for eps in (Fraction(1, 64), Fraction(2)):
                yield ell, budget[r_pos](pos), budget[r_neg](neg), eps, (r_pos, r_neg)


def test_exact_gates_match_the_torch_engine():
    seen, ell_syms = set(), variables("ell", 3)
    c_pos, c_neg, eps_sym = var("C_+", "positive"), var("C_-", "positive"), var("epsilon", "positive")
    formulas = [unfold(log_fiberpo_gate(ell_syms, i, c_pos, c_neg, eps_sym)) for i in range(3)]
    rows, params = [], []
    for ell, cp, cn, eps, regimes in regime_cases():
        exact = fiber_log_gate(ell, cp, cn, eps)
        point = {**dict(zip(ell_syms, ell)), c_pos: cp, c_neg: cn, eps_sym: eps}
        assert [evaluate_exact(f, point) for f in formulas] == exact  # the formula objects and the exact gates agree
        seen.add((*regimes, eps))
        rows.append(exact)
        params.append((ell, cp, cn, eps))
    assert len(seen) == 18  # every base regime pair, with saturated and free fiber clips
    for (ell, cp, cn, eps), exact in zip(params, rows):
        log_ratio = torch.tensor([[float(v) for v in ell]], dtype=torch.float64)
        gate = fiberpo_gate(log_ratio, torch.ones_like(log_ratio), c_pos=float(cp), c_neg=float(cn), eps=float(eps))
        assert torch.allclose(gate.log(), torch.tensor([[float(v) for v in exact]], dtype=torch.float64),
                              rtol=0, atol=1e-12), (ell, cp, cn, eps)


# ---------------------------------------------------------------- LaTeX


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not on the PATH")
def test_all_tex_compiles_from_another_folder(tmp_path):
    doc = tmp_path / "paper.tex"
    doc.write_text(PREAMBLE + "\n\\begin{document}\nSee \\ref{deriv:FPO-2}.\n\\input{" + str(paths.DERIVATIONS_OUT / "all.tex")
                   + "}\n\\end{document}\n")
    for _ in range(2):
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "paper.tex"], cwd=tmp_path, capture_output=True,
                             text=True)
    log = (tmp_path / "paper.log").read_text(errors="replace")
    assert run.returncode == 0 and "! " not in log, log[-3000:]
    assert "Overfull" not in log, [line for line in log.splitlines() if "Overfull" in line][:5]
    assert "FPO-2" in subprocess.run(["pdftotext", "paper.pdf", "-"], cwd=tmp_path, capture_output=True,
                                     text=True).stdout.split("See")[1][:20] if shutil.which("pdftotext") else True


def test_latex_is_ascii():
    for tex in paths.DERIVATIONS_OUT.glob("*.tex"):
        assert tex.read_text().isascii(), tex.name


def test_fig2b_regimes_and_rays_are_checked_exactly():
    """FPO-7 on Fig 2b's plane: every global regime has an exact point; |log w| follows rise-peak-decline on every
    ray where the smaller channel is zeroed first, and the first ray off the axes where it does not is named; without
    zeroing the pattern fails even on those rays (the control)."""
    parts = {p.id: p for p in fpo.check_fpo7()}
    regimes = check_part(parts["FPO-7/five-regimes"]).substatement()
    assert regimes.status is Status.VERIFIED_EXHAUSTIVELY and regimes.outcomes[0].measurements["cases"] == 5
    rays = check_part(parts["FPO-7/rise-peak-decline"]).substatement()
    outcome = rays.outcomes[0]
    assert rays.status is Status.HOLDS_WITH_CONDITIONS and outcome.condition_holds is True
    assert outcome.counterexample.startswith("((1, 2)): ray ρ(1, 2): |log w| falls in G-II,r")  # off the axes
    mutant = {p.id: p for p in fpo.check_fpo7(zeroing=False)}["FPO-7/rise-peak-decline"]
    assert check_part(mutant).substatement().status is Status.REFUTED
