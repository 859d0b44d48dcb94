"""§4 Fiber Bundle Gating (pp. 6–9): the bundle, eqs 4–5, Theorem 4.5 and its conditions."""

from __future__ import annotations

import sympy as sp

from ..formula import Statement, var
from ._base import Finding, agree, check, proved, row, typo

ROWS = [
    row("4", 6, "p6-bundle", "B := Tj × {−1, +1}, E := X̄ × {−1, +1}, π_E(s, a, τ, t; l) := (τ, l)", "definition",
        claims=("DER-2",), uses=("App. E.5.4 (F, K, R)", "App. E.7 (B₂, π₃)", "Fig 1"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("4", 6, "Remark 4.1", "even if a trajectory terminates at a finite step, we include a null state-action "
        "pair (∅, ∅, τ, t) after termination", "definition", uses=("p. 4 and App. D.1: |X̄| = T", "App. A.2")),
    row("4", 7, "Remark 4.2", "the choice of base space B determines the granularity of global control",
        "assertion", unchecked="an informal remark on design (no quantity asserted)"),
    row("4", 8, "eq4", "G(σ) := K(⊕_b g_Base,b(π_E∗σ)) + ⊕_i g_Fiber,i,π_E∗σ(σ − K(π_E∗σ))", "definition",
        claims=("FBG-1",), uses=("eq 26 (n = 1)", "App. E.3", "App. E.5.4 verification"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("4", 8, "p8-a1", "π_E∗(σ − K(π_E∗σ)) = 0 directly implies π_E∗ ∘ K = id_B", "proof-step",
        claims=("FBG-1",), link=("FBG-1/reflecting", "FBG-1/zero-residual")),
    row("4", 8, "eq5", "Ĵ_(G;F,R) := Σ_τ [Σ_t (1/T_τ) R∘G∘F(r•) Â]", "definition", claims=("FBG-2",),
        uses=("eq 6 (Def 5.1: weights 1/(|Tj| T_τ))", "eq 29", "eq 82", "App. E.3", "App. E.5.4")),
    row("4", 8, "Theorem 4.5", "identity conditions on the atomic gates ⇒ Ĵ(θold|θold) = J(θold) and "
        "∇Ĵ = ∇J at θold", "assertion", claims=("FBG-2",), link=("FBG-2/gate-identity", "FBG-2/true-gradient")),
    row("4", 8, "Theorem 4.5-value", "Ĵ_(G;F,R)(θold|θold) = J(θold) (value agreement)", "assertion",
        claims=("FBG-2",)),
    row("4", 8, "Theorem 4.5-pB", "the identity conditions (on g and g′ only) give ∇(R∘G∘F) = ∇(R∘F) at θold, "
        "for gates g_Fiber,i,p_B that may depend on p_B", "assertion", claims=("FBG-2",)),
    row("4", 8, "Remark 4.6", "naively combining global and local gating may produce undesirable gradients",
        "assertion", unchecked="an informal remark (App. E.3 gives no quantity)"),
    row("4", 9, "Remark 4.7", "Theorem 4.5 guarantees first-order agreement for any extension of B", "assertion",
        claims=("FGH-3",), link=("FGH-3/identity-gates", "FBG-2/true-gradient")),
]


@check("Remark 4.1", controls={"null pairs counted once each": {"null_multiplicity": 1}})
def null_pairs_count(null_multiplicity: int = 0) -> list[Finding]:
    """The multiplicity-weighted count Σ_X̄ n of Remark 4.1's padded set, null pairs at multiplicity n_∅,∅ = 0
    (App. A.2), against T (p. 4, D.1): one trajectory of length 2 padded to a horizon of 3."""
    length, horizon = 2, 3
    weighted = length + null_multiplicity * (horizon - length)
    return [agree("Σ_X̄ n with the null pairs of Remark 4.1", weighted, "T of p. 4 and App. D.1", length,
                  f"one trajectory of length {length}, horizon {horizon}, null pairs at multiplicity "
                  f"{null_multiplicity}")]


@check("eq5", controls={"one trajectory": {"trajectories": 1}})
def fbg_weight_against_fiberpo(trajectories: int = 2) -> list[Finding]:
    """Per-token weight of eq 5 (1/T_τ) against eq 6 (1/(|Tj| T_τ)), the same objective by Def 5.1; the intended
    reading is eq 5 with eq 6's 1/|Tj|."""
    length = var("T", "positive integer")
    where = f"|Tj| = {trajectories}, every T_τ"
    written = agree("eq 5 weight", 1 / length, "eq 6 weight", 1 / (trajectories * length), where)
    if written.outcome.holds:
        return [written]
    return [typo(written, agree("eq 5 weight with 1/|Tj|", 1 / (trajectories * length), "eq 6 weight",
                                1 / (trajectories * length), where))]


@check("Theorem 4.5-value", controls={"with the constant J(θold) of J⁽¹⁾": {"with_constant": True}})
def value_agreement(with_constant: bool = False) -> list[Finding]:
    """One-state bandit, π_old = (1/2, 1/2), rewards R₁, R₂, each action sampled once (T_τ = 1): at θold every gate is
    1, so eq 6 gives (A₁ + A₂)/2 with A_a = R_a − J; J(θold) = (R₁ + R₂)/2."""
    r1, r2 = var("R_1"), var("R_2")
    value = (r1 + r2) / 2
    surrogate = ((r1 - value) + (r2 - value)) / 2 + (value if with_constant else 0)
    return [proved(Statement(sp.Eq(surrogate, value, evaluate=False)))]  # unevaluated: the provers decide it


@check("Theorem 4.5-pB", "p44-proof", controls={"g_Fiber independent of p_B": {"depends_on_base": False}})
def base_dependent_fiber_gate(depends_on_base: bool = True) -> list[Finding]:
    """Two tokens over one base point: π∗σ = σ₁ + σ₂, K(p) = (p/2, p/2), g_Base = id and g_Fiber,p(x) = x + c (p − p₀),
    p₀ = π∗F(1): the identity conditions g(x₀) = x₀, g′(x₀) = 1 hold for every c; the Jacobian of G at F(1) is
    I + c·𝟙𝟙ᵀ (Def 4.3, Thm 4.5)."""
    s1, s2, a, b, c = var("sigma_1"), var("sigma_2"), var("a"), var("b"), var("c")
    coupling = c if depends_on_base else 0
    push = s1 + s2
    reflect = [push / 2, push / 2]
    gate = [reflect[i] + ([s1, s2][i] - reflect[i]) + coupling * (push - (a + b)) for i in range(2)]
    jac = sp.Matrix(2, 2, lambda i, j: sp.diff(gate[i], [s1, s2][j])).subs({s1: a, s2: b})
    conclusion = sp.And(*[sp.Eq(jac[i, j], 1 if i == j else 0, evaluate=False) for i in range(2) for j in range(2)])
    return [proved(Statement(conclusion), condition=[sp.Eq(coupling, 0)])]
