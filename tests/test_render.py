"""The derivations as a reader meets them: the paper's notation (no code names), labels on every claim and
sub-statement, the paper's form of eq 20 in the main text and the solver's obligations in the machine appendix."""

from __future__ import annotations

import importlib
import re

import pytest

from derivations import GROUPS
from derivations.build import run_claim, write_all_tex
from derivations.formula import Family, Statement
from derivations.catalogue import derivations
from derivations.notation import symbol_tex, symbol_text
from derivations.plain import plain_formula
from derivations.render import HEADINGS, other_claim_tex, tex_text
from fiberpo_check.vocabulary.claims import BY_ID, CLAIMS

DERIVATIONS = derivations()

PLAIN_NAMES = re.compile(r"[A-Za-z]\Z|eta|kappa|rho|theta|beta|sigma|Delta|delta|gamma|epsilon")  # SymPy prints these


def statements():
    """Every Statement a derivation checks or shows (claims, their symbolic forms, supporting steps)."""
    for name in GROUPS:
        importlib.import_module(f"derivations.{name}")
    for claim_id, fn in DERIVATIONS.items():
        for part in fn():
            for item in (part.claim, *part.support, *([part.intended] if part.intended else [])):
                if isinstance(item, Family):
                    yield part.id, item.build(item.shown)
                elif isinstance(item, Statement):
                    yield part.id, item
                yield from ((part.id, lemma) for lemma in getattr(item, "lemmas", ()))


def test_every_variable_prints_in_the_papers_notation():
    unmapped = {(pid, v.name) for pid, s in statements() for v in s.variables
                if symbol_tex(v.name) is None and not PLAIN_NAMES.fullmatch(v.name)}
    assert not unmapped, sorted(unmapped)
    assert symbol_tex("A_infinity") is None and symbol_tex("pp") is None  # an unknown code name is caught here


@pytest.mark.parametrize("code, tex, text", [("A_inf", r"\|\hat{A}\|_{\infty}", "‖Â‖∞"), ("tstar", "t^{*}", "t*"),
                                             ("pp_1", "p'_{1}", "p'_1"), ("S_+", r"\log s^{+}", "log s⁺"),
                                             ("C_-", "C^{-}", "C⁻"), ("K2_31", "K^{(2)}_{31}", "K^(2)_31")])
def test_symbol_table(code, tex, text):
    assert symbol_tex(code) == tex and symbol_text(code) == text


def test_running_text_typesets_names_and_minus_signs():
    assert tex_text("δ_APC ≤ δ_TRPO") == r"\ensuremath{\delta_{\mathrm{APC}}} \ensuremath{\le} \ensuremath{\delta_{\mathrm{TRPO}}}"
    assert tex_text("D^max_TV") == r"\ensuremath{D^{\mathrm{max}}_{\mathrm{TV}}}"
    assert tex_text("ℓ_2 = -2") == r"\ensuremath{\ell_{2}} = \ensuremath{-}2"
    assert "δ" not in tex_text("δ^(APC-Obj)") and tex_text("δ^(APC-Obj)").isascii()


def test_plain_text_uses_the_notation():
    import sympy as sp

    from derivations.formula import var

    assert plain_formula(var("A_inf", "positive") * var("tstar")) in ("t*·‖Â‖∞", "‖Â‖∞·t*")  # t*'s star kept
    assert "C⁺" in plain_formula(sp.Symbol("C_+") + 1)
    delta, x = var("delta"), var("x")
    assert plain_formula(sp.Implies(2 * x > 0, -2 * delta < x - 1)) == "(2x > 0 ⇒ −2δ < x − 1)"


def test_fpo2_reads_like_the_paper():
    """Eq 20 as printed, with its case table, and the cells' count; the derivative obligations in the appendix."""
    result = run_claim("fpo", "FPO-2")
    assert r"\mathfrak{J}(\mathcal{G})_{ij}" in result.tex and r"\begin{cases}" in result.tex
    assert "pass-through, rollback and zeroed" in result.tex
    assert r"\frac{\partial}{\partial" not in result.tex and r"\frac{d}{d" not in result.tex
    assert r"\frac{\partial}{\partial" in result.machine_tex or r"\frac{d}{d" in result.machine_tex
    assert len(result.tex) < 4500  # about a page
    for key in ("deriv:FPO-2", "deriv:FPO-2/eq20", "deriv:FPO-2/L-III-shortcut"):
        assert rf"\fpolabel{{{key}}}" in result.tex
    assert "A_{inf}" not in result.tex and "tstar" not in result.tex


def test_every_claim_gets_a_label_in_all_tex(tmp_path):
    derived = set(DERIVATIONS)
    page = write_all_tex(tmp_path).read_text()
    assert HEADINGS in page and r"\providecommand{\fpoclaim}" in page
    for claim in CLAIMS:
        if claim.id not in derived:
            assert rf"\fpolabel{{deriv:{claim.id}}}{{{tex_text(claim.id)}}}" in page


def test_a_claim_without_a_ledger_row_says_where_its_status_is():
    text = other_claim_tex(BY_ID["FPO-3"], None)
    assert r"\fpolabel{deriv:FPO-3}{FPO-3}" in text and "claims ledger" in text
