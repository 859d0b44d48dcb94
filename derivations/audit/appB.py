"""App. B TRPO background (pp. 25–27): eqs 53–56, Definition B.1, Lemma B.2, Theorem B.3, γ-annealing."""

from __future__ import annotations

import sympy as sp

from ..formula import Statement, var
from ._base import Finding, check, proved, row

ROWS = [
    row("B", 25, "eq53", "J(θ) := E_τ[Σ_t γ^t R_t(τ)]", "definition", uses=("p. 21 J(θ)", "eq 54", "Thm 4.5"),
        unchecked="notation (the RL objective; A.1 writes R(s_t) for R_t)"),
    row("B", 25, "eq54", "J⁽¹⁾(θ|θold) := J(θold) + E_τ∼θold[Σ_t γ^t r A]", "definition",
        uses=("eq 1", "eq 56", "eq 67", "Thm 4.5"), unchecked="notation (the linear surrogate)"),
    row("B", 26, "eq55", "J(θ) − J⁽¹⁾(θ|θold) ≥ −4γ‖A‖∞/(1−γ)² D_TV^max(θ‖θold)²", "assertion",
        claims=("TRPO-1",), unchecked="a bound quoted from prior work (TRPO, Schulman et al. 2015), cited, not derived in the paper"),
    row("B", 26, "eq56", "θ_new maximises J⁽¹⁾ − 4γ‖A‖∞/(1−γ)² (D_TV^max)²; its optimum is at least J(θold), "
        "attained at θ = θold", "assertion", claims=("TRPO-1",)),
    row("B", 26, "p26-a1", "TV distance is the divergence that arises naturally from the performance-difference "
        "bound", "assertion", unchecked="an informal remark"),
    row("B", 26, "Definition B.1", "B^TV-TR_δ := {π : D_TV^max(π_old‖π) ≤ δ}, likewise B^KL-TR_δ", "definition",
        claims=("TRPO-1",), uses=("Thm 2.1", "Lemma D.12"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("B", 26, "Lemma B.2", "every sample-based TV-TRPO update lies in B^TV-TR with δ(TRPO) = (1−γ)/(8γ)",
        "assertion", claims=("TRPO-3",), link="TRPO-3/D.12"),
    row("B", 26, "Theorem B.3", "restatement of Theorem 2.1; proof: δ(TRPO) → 0⁺ as γ → 1⁻ and = 0 at γ = 1",
        "assertion", claims=("TRPO-1",), link=("TRPO-1/radius", "TRPO-1/tv-region")),
    row("B", 27, "p27-b1", "introducing γ < 1 would exponentially suppress later tokens; annealing is impractical",
        "assertion", unchecked="an informal judgement on practice (no quantity asserted beyond γ^t)"),
]


@check("eq56", controls={"advantages not centred": {"centred": False}})
def penalised_surrogate_at_old(centred: bool = True) -> list[Finding]:
    """At θ = θold the penalty vanishes and J⁽¹⁾(θold|θold) = J(θold) + E_(a∼π_old)[A] = J(θold): one state, two
    actions, π_old = (p, 1 − p), action values q₁, q₂, A = q − V (V = p q₁ + (1 − p) q₂)."""
    p, q1, q2 = var("p", "positive"), var("q_1"), var("q_2")
    value = p * q1 + (1 - p) * q2
    adv = (q1 - value, q2 - value) if centred else (q1, q2)
    surrogate = value + p * adv[0] + (1 - p) * adv[1]
    return [proved(Statement(sp.Eq(surrogate, value), [p < 1]))]
