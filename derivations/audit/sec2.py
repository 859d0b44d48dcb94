"""§2 TRPO and the discount-factor obstruction (pp. 3): eq 1, Theorem 2.1 and the divergence of the penalty."""

from __future__ import annotations

import sympy as sp

from fiberpo_check.vocabulary.verdicts import Outcome

from ..formula import var
from ._base import Finding, check, row

ROWS = [
    row("2", 3, "eq1", "J(θ) − J⁽¹⁾(θ|θold) ≥ −4γ‖A‖∞/(1−γ)² D_TV^max(θ‖θold)²", "assertion",
        claims=("TRPO-1",), unchecked="a bound quoted from prior work (TRPO, Schulman et al. 2015), cited, not derived in the paper"),
    row("2", 3, "p3-a1", "confines TRPO updates to a trust region of radius δ(TRPO) = (1−γ)/(8γ) (Lemma B.2)",
        "assertion", claims=("TRPO-1",), link="TRPO-3/D.12"),
    row("2", 3, "p3-a2", "the penalty coefficient γ/(1−γ)² diverges as γ → 1, forcing δ(TRPO) → 0", "assertion",
        claims=("TRPO-1",)),
    row("2", 3, "Theorem 2.1", "when γ = 1, both TV- and KL-based TRPO trust regions collapse to {πθold}",
        "assertion", claims=("TRPO-1",), link=("TRPO-1/radius", "TRPO-1/tv-region")),
    row("2", 3, "p3-a3", "annealing γ < 1 toward 1 is impractical for LLMs (sparse, all-or-nothing rewards)",
        "assertion", unchecked="an informal judgement on practice (App. B.3), no quantity is asserted"),
]


@check("p3-a2", controls={"radius decays too slowly": {"power": 1}})
def penalty_diverges(power: int = 2) -> list[Finding]:
    """γ/(1−γ)^power → ∞ and δ(TRPO) = (1−γ)/(8γ) → 0 as γ → 1⁻ (eq 1, eq 76)."""
    gamma = var("gamma", "positive")
    coefficient = sp.limit(gamma / (1 - gamma) ** power, gamma, 1, dir="-")
    radius = sp.limit((1 - gamma) / (8 * gamma), gamma, 1, dir="-")
    # the bound-maximising radius of eq 1 scales as (1 − γ)^(power − 1): it vanishes only for power ≥ 2
    vanishing = sp.limit((1 - gamma) ** (power - 1) / (8 * gamma), gamma, 1, dir="-")
    holds = coefficient == sp.oo and radius == 0 and vanishing == 0
    return [Finding(f"lim γ→1⁻ γ/(1−γ)^{power} = {coefficient}; lim (1−γ)^{power - 1}/(8γ) = {vanishing}; "
                    f"lim (1−γ)/(8γ) = {radius}",
                    Outcome("proof", "sympy", "γ → 1⁻ (limits)", holds,
                            counterexample="" if holds else f"the radius tends to {vanishing}, not 0"))]
