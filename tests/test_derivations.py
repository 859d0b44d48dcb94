"""Derivations: paper verdicts, a negative control per check that flips its verdict, and up-to-date output."""

from __future__ import annotations

import functools
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations import GROUPS, der, fgh, fpo
from derivations._core import Derivation, DerivationError, Step, fiber_log_gate
from derivations.build import OUT, build
from fiberpo_check.cli import derivations as derivations_cli

# (check, mutated ingredients, verdict with the paper's ingredients, verdict with the mutation)
CONTROLS = [
    (der.check_der1, {"strict": False, "lengths": (1,)}, "refuted", "approximate"),
    (der.check_der2, {"recovery": der.own_channel_recovery}, "refuted", "inconsistent"),
    (fpo.check_fpo1, {"v_sign": -1}, "holds-with-conditions", "refuted"),
    (fpo.check_fpo2, {"slopes": lambda t: {"P": 1, "R": t, "Z": 0}}, "holds-with-conditions", "refuted"),
    (fpo.check_fpo4, {"radius": lambda *a: 2 * fpo.identity_radius(*a)}, "verified-numerically", "refuted"),
    (fpo.check_fpo5, {"slopes": lambda t: {"P": 1, "R": -2, "Z": 0}}, "holds-with-conditions", "proved"),
    (fpo.check_fpo6, {"rollback": lambda x, c, k: (k + 1) * c + k * x}, "holds-with-conditions", "refuted"),
    (fpo.check_fpo8, {"second_order": sp.Integer(1)}, "approximate", "refuted"),
    (fpo.check_fpo9, {"lengths": (1,)}, "refuted", "verified-numerically"),
    (fgh.check_fgh1, {"residual": lambda s, k, p: s - 2 * k * p * s}, "proved", "refuted"),
    (fgh.check_fgh2, {"objects": functools.partial(fgh.domain_from_objects, kernel0=lambda ng, nd, tg, td: Fraction(tg, td))},
     "verified-numerically", "refuted"),
    (fgh.check_fgh3, {"slopes": (1, 2, 1, 1)}, "proved", "refuted"),
    (fgh.check_fgh4, {"residual": fgh.gated_residual}, "holds-with-conditions", "refuted"),
]


@functools.lru_cache(maxsize=None)
def paper_run(check) -> Derivation:
    """The check with the paper's ingredients (run once per session)."""
    return check()


@pytest.mark.parametrize("check, mutation, paper, mutated", CONTROLS, ids=[c[0].__name__ for c in CONTROLS])
def test_negative_control_flips_verdict(check, mutation, paper, mutated):
    assert paper_run(check).status == paper
    assert check(**mutation).status == mutated


def test_every_symbolic_claim_has_a_control():
    from fiberpo_check.claims import CLAIMS

    symbolic = {c.id for c in CLAIMS if "symbolic" in c.kind}
    controlled = {paper_run(check).claim_id for check, *_ in CONTROLS}
    assert symbolic <= controlled


def test_der1_eq77_identity_flips_with_wrong_budget():
    step = "the decomposed clip equals eq 77"
    wrong = der.check_der1(threshold=lambda t, c, e, a: (t * c - (e - a)) / t)
    assert [s.holds for s in paper_run(der.check_der1).steps if s.text.startswith(step)] == [True]
    assert [s.holds for s in wrong.steps if s.text.startswith(step)] == [False]


def test_refutations_carry_counterexamples():
    for check in (der.check_der1, fpo.check_fpo9):
        verdict = paper_run(check).verdict()
        assert verdict.status == "refuted" and "fails:" in verdict.evidence


def test_failing_support_step_breaks_the_build(monkeypatch, capsys):
    d = Derivation("X-1", "statement", "source")
    with pytest.raises(DerivationError, match="X-1"):
        d.add(Step("our lemma", False, role="support"))

    def broken(out=None):
        raise DerivationError("FPO-2: supporting step failed: chain rule")

    monkeypatch.setattr("derivations.build.build", broken)
    assert derivations_cli.main([]) == 1
    assert "FPO-2" in capsys.readouterr().err


def test_committed_output_is_current(tmp_path):
    build(tmp_path, log=lambda line: None)
    produced = sorted(p.name for p in tmp_path.iterdir())
    assert produced == sorted(p.name for p in OUT.iterdir() if p.suffix in (".tex", ".md", ".json"))
    stale = [name for name in produced if (tmp_path / name).read_text() != (OUT / name).read_text()]
    assert not stale, f"derivations/out is stale, run `make derivations`: {stale}"
    assert len(produced) == 2 * len(GROUPS) + 2


def test_latex_is_ascii_with_balanced_braces():
    for tex in OUT.glob("*.tex"):
        text = tex.read_text()
        assert text.isascii(), tex.name
        depth = 0
        for ch in text.replace("\\{", "").replace("\\}", ""):
            depth += (ch == "{") - (ch == "}")
            assert depth >= 0, tex.name
        assert depth == 0, tex.name


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.fractions(min_value=-1, max_value=1, max_denominator=40).filter(lambda v: v != 0), min_size=1,
                max_size=5), st.sampled_from(der.BUDGETS), st.sampled_from(der.EPSILONS))
def test_eq77_rewrite_property_search(ell, budgets, eps):
    """The decomposed clip equals eq 77 on random exact trajectories (DER-1's exact rewrite)."""
    for i in range(len(ell)):
        assert der.decomposed_clip(tuple(ell), i, *budgets, eps) == der.eq77(tuple(ell), i, *budgets, eps)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(1, 6), st.lists(st.fractions(min_value=-1, max_value=1, max_denominator=30), min_size=6, max_size=6))
def test_identity_ball_property_search(length, scaled):
    """G = r exactly inside the FPO-4 ball on random exact points of random length."""
    c_pos, c_neg, eps = Fraction(1, 5), Fraction(1, 10), Fraction(1, 20)
    rho = fpo.identity_radius(length, c_pos, c_neg, eps)
    ell = [rho * v for v in scaled[:length]]
    assert fiber_log_gate(tuple(ell), c_pos, c_neg, eps) == ell
