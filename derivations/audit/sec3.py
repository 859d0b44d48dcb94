"""§3 Ratio Gating Formalism and APC-Obj (pp. 4–5): eqs 2–3, Theorem 3.3, Claim 3.5, Remarks 3.4 and 3.6."""

from __future__ import annotations

import sympy as sp

from fiberpo_check.vocabulary.verdicts import Outcome

from ..formula import Statement, clip, var
from ._base import Finding, check, proved, row

ROWS = [
    row("3", 4, "eq2", "Ĵ = Σ_(s,a,I)∈E μ G(r•)_(s,a,I) Â; G : R^E_>0 → R^E_>0 the ratio gating map", "definition",
        claims=("RGF-1",), uses=("eq 5", "eq 6", "eq 29", "eqs 57–59", "App. C.4")),
    row("3", 4, "eq3", "Ĵ^APC = (1/T) Σ_X̄ (clip(r − 1, T_s δ^(APC) − Σ_other |r − 1|) Â + Â)", "definition",
        claims=("APC-1",), uses=("eq 57", "eq 58", "eq 64", "eq 72"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("3", 5, "p5-delta", "δ^(APC-Obj) := (1−γ)²/(8γ‖Â‖∞) · M(Â)/T", "definition", claims=("APC-1",),
        uses=("eq 57", "eq 72", "Thm D.10"), link="APC-1/same-delta"),
    row("3", 5, "p5-a1", "when the remaining budget is exhausted (B ≤ 0), r − 1 is clipped to zero", "assertion",
        claims=("APC-5",)),
    row("3", 5, "Theorem 3.3", "APC-Obj and sample-based TV-TRPO produce the same policy update", "assertion",
        claims=("APC-6",), link="APC-6/thm-D10"),
    row("3", 5, "Remark 3.4", "δ(TRPO) = δ(APC-Obj) = 0 at γ = 1", "assertion", claims=("APC-1", "TRPO-1")),
    row("3", 5, "Claim 3.5", "GSPO (without min) maintains approximately D̄_TV^(tj) ≤ δ ∼ √(ε/2)", "assertion",
        claims=("RGF-3",), link=("RGF-3/jensen", "RGF-3/pinsker", "RGF-3/kl-bound")),
    row("3", 5, "Remark 3.6", "ε(GSPO) ≈ 4 × 10⁻⁴ translates to δ ≈ √(2 × 10⁻⁴) ≈ 0.014", "assertion",
        claims=("RGF-3",)),
    row("3", 5, "Remark 3.6-runs", "GSPO runs stably at this scale: a TV trust region δ ∼ 10⁻² is effective",
        "empirical", claims=("RGF-3",),
        unchecked="an empirical statement about GSPO's published LLM-scale runs; no run at that scale here"),
    row("3", 5, "p5-a3", "token-wise objectives gate each ratio independently; sequence-wise ones collapse each "
        "trajectory to one aggregate", "assertion", unchecked="a qualitative taxonomy; the forms are RGF-1's"),
]


@check("eq2", controls={"ratios not positive": {"ratio_positive": False}})
def apc_gate_positive(ratio_positive: bool = True) -> list[Finding]:
    """G^APC(r) = clip(r − 1, B) + 1 > 0 for every r > 0 and every bound B: eq 59 maps R_>0 into R_>0 (eq 2)."""
    delta, bound = var("Delta"), var("B")
    hyps = [delta > -1] if ratio_positive else []
    return [proved(Statement(clip(delta, bound) + 1 > 0, hyps))]


@check("p5-a1", controls={"a positive budget": {"budget_sign": 1}})
def exhausted_budget_zeroes(budget_sign: int = -1) -> list[Finding]:
    """B ≤ 0 ⇒ clip(r − 1, B) = 0 (clip(a, B) := clip(a, −B⁺, B⁺), p. 5)."""
    delta, bound = var("Delta"), var("B")
    hyp = bound <= 0 if budget_sign < 0 else bound > 0
    return [proved(Statement(sp.Eq(clip(delta, bound), 0), [hyp]))]


@check("Remark 3.4", controls={"no (1 − γ) factor": {"power": 0}})
def both_radii_vanish(power: int = 1) -> list[Finding]:
    """Both definitions of δ^(APC-Obj) (p. 5: (1−γ)² M/(8γ‖Â‖T); eq 72: (1−γ) M/(8γ‖Â‖)) and δ(TRPO) are 0 at γ = 1."""
    gamma, norm, m, big_t = var("gamma", "positive"), var("A", "positive"), var("M", "positive"), var("T", "positive")
    radii = {"δ(TRPO)": (1 - gamma) ** power / (8 * gamma),
             "δ^(APC) p. 5": (1 - gamma) ** (power + 1) / (8 * gamma * norm) * m / big_t,
             "δ^(APC) eq 72": (1 - gamma) ** power / (8 * gamma * norm) * m}
    at_one = {name: sp.simplify(r.subs(gamma, 1)) for name, r in radii.items()}
    nonzero = [f"{name} = {value}" for name, value in at_one.items() if value != 0]
    return [Finding("; ".join(f"{name} at γ = 1: {value}" for name, value in at_one.items()),
                    Outcome("proof", "sympy", "γ = 1, all ‖Â‖∞, M, T > 0", not nonzero,
                            counterexample="; ".join(nonzero)))]


@check("Remark 3.6", controls={"ε ten times larger": {"eps": sp.Rational(4, 1000)}})
def gspo_radius_arithmetic(eps=sp.Rational(4, 10000)) -> list[Finding]:
    """√(ε/2) at ε = 4·10⁻⁴ is √2/100 = √(2·10⁻⁴) ≈ 0.0141, stated as ≈ 0.014 (Remark 3.6)."""
    radius = sp.sqrt(eps / 2)
    stated = sp.Rational(14, 1000)
    gap = sp.nsimplify(radius - stated)
    holds = sp.simplify(radius - sp.sqrt(sp.Rational(2, 10000))) == 0 and abs(float(gap)) < 0.0005
    return [Finding(f"√(ε/2) at ε = {eps} equals √(2·10⁻⁴) and rounds to 0.014",
                    Outcome("proof", "sympy", f"ε = {eps}", holds,
                            error=f"√(ε/2) − 0.014 = {gap} ≈ {float(gap):.2e}" if holds else "",
                            counterexample="" if holds else f"√(ε/2) = {radius} ≈ {float(radius):.4f}"))]
