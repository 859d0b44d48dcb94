"""§6 Fibration Gating Hierarchy and FiberPO-Domain (pp. 17–19): eqs 21–33, Remarks 6.3 and 6.5."""

from __future__ import annotations

import sympy as sp

from ..formula import Family, Statement, gagg, var
from ._base import Finding, check, proved, row

INFORMAL = "an informal motivation (no quantity asserted)"

ROWS = [
    row("6", 17, "p17-b1", "different levels of the hierarchy demand different trust-region radii", "assertion",
        unchecked=INFORMAL),
    row("6", 17, "eq21", "B₀ ←π₁− B₁ ←π₂− ⋯ ←πₙ− Bₙ ≡ E (Def 6.1)", "definition", claims=("FGH-2",),
        uses=("App. E.7 strata and fibrations",), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 17, "eq22", "the chain of pushforwards on density spaces", "definition", claims=("FGH-2",),
        uses=("eqs 25–28",), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 18, "Definition 6.2", "FGH objects with (i) reflecting π_k∗ ∘ K_(k−1) = id, (ii) R ∘ F = id, (iii) "
        "locality", "definition", claims=("FGH-1",), uses=("eq 26", "App. E.7"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 18, "eq23", "K_(m←k) := K_(m−1) ∘ ⋯ ∘ K_k, K_(k←k) := id", "definition", claims=("FGH-1",),
        uses=("eq 26", "eq 27"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 18, "eq24", "π_(k←m) := π_(k+1) ∘ ⋯ ∘ π_m", "definition", claims=("FGH-1",), uses=("eq 25",),
        unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 18, "eq25", "π_(k←m)∗ := π_(k+1)∗ ∘ ⋯ ∘ π_m∗", "definition", claims=("FGH-1",),
        uses=("eq 26", "eq 27", "eq 28"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 18, "eq26", "G(σ) := K_(n←0) g₀ π_(0←n)∗σ + Σ_(0<k≤n) K_(n←k) g_k(π_(k←n)∗σ − K_(k−1) π_(k−1←n)∗σ)",
        "definition", claims=("FGH-1",), uses=("eq 4 (n = 1)", "eq 27"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 18, "eq27", "compact form G(σ) = Σ_k K_(n←k) ∘ G_k ∘ π_(k←n)∗(σ)", "assertion", claims=("FGH-1",),
        link="FGH-1/compact-is-expanded"),
    row("6", 18, "eq28", "G_k(σ_k) := g₀(σ_k) if k = 0, else g_k(σ_k − K_(k−1) ∘ π_k∗(σ_k))", "definition",
        claims=("FGH-1",), link="FGH-1/compact-is-expanded"),
    row("6", 18, "eq29", "Ĵ^FGH = Σ_i μ_i R ∘ G ∘ F(r•)_i Â_i", "definition", claims=("FGH-2",),
        uses=("eq 30", "eq 82"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("6", 18, "Remark 6.3", "n = 1 recovers FBG: G(σ) = K₀(g₀(π₁∗σ)) + g₁(σ − K₀(π₁∗σ)), precisely (4)",
        "assertion", claims=("FGH-1",), link="FGH-1/n1-is-FBG"),
    row("6", 19, "eq30", "Ĵ^FiberPO-Domain = Σ_X̄ (1/|Tj|)(1/T_τ) w_i r̃_i Â_i", "definition", claims=("FGH-2",),
        uses=("eq 6", "eq 82"), link="FGH-2/closed-form"),
    row("6", 19, "eq31", "w_i := exp(Σ of the three gated positive-channel terms − the three negative-channel terms)",
        "definition", claims=("FGH-2",), uses=("eq 8", "App. E.7 gates"), link="FGH-2/closed-form"),
    row("6", 19, "eq32", "r̃_i: the gated residual, identical to FiberPO's fiber gate (eq 11)", "definition",
        claims=("FGH-2",), uses=("eq 11",), link="FGH-2/closed-form"),
    row("6", 19, "eq33", "log s_g := mean over g of log s_τ; log s_D := Σ_(g∈D) |Tj(g)|/|Tj(D)| log s_g",
        "definition", claims=("FGH-2",), uses=("App. E.7 K₀, K₁, g₀, g₁",), link="FGH-2/closed-form"),
    row("6", 19, "p19-a1", "each trajectory is regulated by its deviation from the prompt group aggregate "
        "(and each group by its deviation from the domain aggregate)", "assertion", claims=("FGH-4",)),
    row("6", 19, "p19-a2", "budget violation at one level does not contaminate the gating at other levels",
        "assertion", claims=("FGH-4",), link="FGH-4/independent-inputs"),
    row("6", 19, "p19-a3", "first-order agreement extends to the full hierarchy under the same identity conditions",
        "assertion", claims=("FGH-3",), link=("FGH-3/identity-gates", "FBG-2/true-gradient")),
    row("6", 19, "p19-a4", "three-regime behaviour at each level, scaled by T_D, T_g or T_τ", "assertion",
        claims=("FGH-2",)),
    row("6", 19, "p19-a5", "substantially more versatile optimization control than any single- or two-scale method",
        "assertion", unchecked=INFORMAL),
    row("6", 19, "Remark 6.5", "heterogeneous fibration systems over a rooted tree or quiver", "definition",
        unchecked="an outlook: the tree-indexed construction is not defined in the paper"),
]


@check("p19-a1", controls={"gating the absolute drift": {"relative": False}})
def regulated_by_deviation(relative: bool = True) -> list[Finding]:
    """eq 31's trajectory-level term vanishes whenever the trajectory drifts exactly as its group (log s_τ = log s_g),
    whatever the group's drift, and likewise for the group level against its domain."""
    x_traj, x_group, c = var("x_tau"), var("x_g"), var("C", "positive")

    def build(big_t: int) -> Statement:
        term = gagg(x_traj - x_group if relative else x_traj, c, big_t)
        return Statement(sp.Eq(term, 0), [sp.Eq(x_traj, x_group)])

    return [proved(Family(build, t_max=6))]
