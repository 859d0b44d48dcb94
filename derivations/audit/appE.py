"""App. E Fiber bundle theory and the derivation of FiberPO (pp. 41–50): eqs 77–82, the FBG objects, E.7."""

from __future__ import annotations

import sympy as sp

from ..formula import Family, Statement, clip, gagg, mean, var, variables
from ._base import Finding, check, expansion, proved, row, typo

STANDARD = "a standard definition of differential geometry, restated (nothing paper-specific to check)"
INFORMAL = "an informal remark (no quantity asserted)"

ROWS = [
    row("E", 41, "Definition E.1", "smooth fiber bundle (E, B, π_E, F) with local trivializations", "definition",
        unchecked=STANDARD),
    row("E", 41, "Remark E.2", "B finite ⇒ the bundle is globally trivializable (E ≅ B × F); merits (i), (ii)",
        "assertion", unchecked="a standard fact (a bundle over a discrete base is trivial) and informal merits"),
    row("E", 42, "Definition E.3", "density on a vector space: μ(Tv₁, …, Tvₙ) = |det T| μ(v₁, …, vₙ)", "definition",
        unchecked=STANDARD),
    row("E", 42, "Definition E.4", "density bundle and densities on a manifold", "definition", unchecked=STANDARD),
    row("E", 42, "Remark E.5", "a density defines a signed measure, ∫_K μ well defined", "assertion",
        unchecked=STANDARD),
    row("E", 43, "Definition E.6", "local information q_i = F(r•)_i", "definition",
        unchecked="notation (a name for F(r•)_i)"),
    row("E", 43, "Definition E.7", "global information q_b = (π_E∗F(r•))_b", "definition",
        unchecked="notation (a name for π_E∗F(r•)_b)"),
    row("E", 43, "p43-a1", "the residual carries no global information ⟺ π_E∗ ∘ K = id_B", "assertion",
        claims=("FBG-1",), link="FBG-1/zero-residual"),
    row("E", 44, "p44-a1", "naive global-local gating in ratio space loses first-order agreement, gives "
        "uncontrolled gradients, loses fine-grained control (problems 1–3)", "assertion", unchecked=INFORMAL),
    row("E", 44, "p44-a2", "because π_E∗(σ − Kπ_E∗σ) = 0 the two gates compose without cross-contamination: their "
        "effects are independent and additive", "assertion", claims=("FBG-1",), link="FBG-1/zero-residual"),
    row("E", 44, "p44-proof", "proof of Thm 4.5: G(F(1)) = F(1) and the Jacobian of G at F(1) is the identity",
        "proof-step", claims=("FBG-2",)),
    row("E", 45, "p45-E51", "δ-relaxation trades the exact guarantee for a controllable approximation", "assertion",
        unchecked="a design step (a relaxation chosen, not a statement that can hold or fail)"),
    row("E", 45, "p45-a1", "Derivation II: log r ≈ r − 1", "proof-step", claims=("DER-1",)),
    row("E", 45, "p45-a2", "Derivation II: 1 + clip(x) ≈ exp(clip(x))", "proof-step", claims=("DER-1",)),
    row("E", 45, "p45-a3", "positivity by construction: exp(·) > 0 for every gated log-ratio", "assertion",
        unchecked="immediate (exp is positive on ℝ)"),
    row("E", 46, "p46-a1", "natural asymmetry: exp(clip(log r, ±ε)) has ε⁻ < ε⁺", "assertion", claims=("FPO-8",),
        link="FPO-8/asymmetry"),
    row("E", 46, "p46-a2", "D̂_TV(s) is approximated by the mean absolute log-ratio ('absolute log divergence')",
        "proof-step", claims=("DER-1",)),
    row("E", 47, "p47-a1", "as with GRPO, the 1/T_τ weighting also rewards shorter responses", "assertion"),
    row("E", 47, "p47-a2", "the clipping term re-expressed as clip(log r, ±(T δ − T log s⁺ − T log s⁻ + |log r|))",
        "proof-step", claims=("DER-1",), link="DER-1/aggregation"),
    row("E", 47, "p47-a3", "an unsplit (nonnegative) TV aggregate imparts a systematic negative bias to the fiber "
        "residuals", "assertion", unchecked=INFORMAL),
    row("E", 47, "p47-a4", "log s⁻_τ − log s⁺_τ = −(1/T_τ) Σ_t log r_t", "assertion", claims=("FPO-9",)),
    row("E", 47, "p47-a5", "this is an estimate of the reverse KL, nonnegative, so log s⁻ ≥ log s⁺ in expectation",
        "assertion", claims=("FPO-9",), link="FPO-9/expectation"),
    row("E", 47, "p47-a6", "log s⁻ grows faster and reaches δ/2 sooner, skewing the trust region", "assertion",
        unchecked=INFORMAL),
    row("E", 48, "p48-a1", "the channel-split clip is a stricter clipping", "proof-step", claims=("DER-1",),
        link="DER-1/split-stricter"),
    row("E", 48, "p48-a2", "the decomposed clip is stricter (absolute value strictly less)", "proof-step",
        claims=("DER-1",), link=("DER-1/decomposed-no-larger", "DER-1/strictly-less")),
    row("E", 48, "eq77", "l clip(l log r − log s^(l), ±ε) + l g_agg(log s^(l), (T C^(l) − (ε − l log r))/(T + 1), T)",
        "proof-step", claims=("DER-1",), link="DER-1/decomposed-is-eq77"),
    row("E", 48, "eq78", "g_agg(x, C, k) (the same three pieces as eq 10)", "definition", claims=("FPO-6",),
        uses=("eq 10",), link="FPO-6/continuity"),
    row("E", 48, "eq79", "for large T: l clip(l log r − log s^(l), ±ε) + l g_agg(log s^(l), C^(l), T)",
        "proof-step", claims=("DER-1",), link="DER-1/eq77-to-eq79"),
    row("E", 48, "Remark E.8", "three-regime structure of g_agg", "assertion", claims=("FPO-6",), link="FPO-6/width"),
    row("E", 48, "p48-F", "F(r•)_(s,a,τ,t;l) := (1/T_τ) max(l log r, 0)", "definition", claims=("DER-2",),
        uses=("App. E.7 F(r•)_(i,l) = 1[l_i = l] l_i log r_i / T_τ", "eq 9 (π_E∗F = log s^(l))")),
    row("E", 48, "p48-K", "K(·|(τ, l)) := μ̄^(τ) = 1/T_τ; π_E∗K(p_B) = p_B; R(σ) := exp(T(σ₊ − σ₋)), R ∘ F = id",
        "definition", claims=("DER-2",), link="FBG-1/reflecting"),
    row("E", 48, "p48-gates", "g_Fiber,i(σ_i) := clip(σ_i, ±ε/T_τ), g_Base,(τ,l) := g_agg(σ, C^(l), T_τ)",
        "definition", claims=("DER-2",), uses=("App. E.7 g₂, g₃",)),
    row("E", 49, "p49-verification", "clip(l log r − log s^(l), ±ε) + g_agg(log s^(l), C^(l), T) = "
        "g_Fiber(σ − Kπ∗σ)_i + K(g_Base(π∗σ))_i ≡ G(σ)_i", "proof-step", claims=("DER-2",)),
    row("E", 49, "eq80", "Def E.9: the fully expanded FiberPO objective", "definition", claims=("FPO-1",),
        uses=("eq 6", "eq 7"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("E", 49, "eq81", "Ĵ^FiberPO = E_(g∼D)[(1/|Tj(g)|) Σ_j (1/T_j) Σ_(i=1)^(T_j) … Â] (LLM notation)", "definition",
        claims=("FPO-1",), uses=("eq 6",)),
    row("E", 50, "eq82", "Ĵ^FiberPO-Domain = Σ_X̄ (1/|Tj|)(1/T_τ) R ∘ G ∘ F(r•)_i Â_i (FGH form)", "definition",
        claims=("FGH-2",), uses=("eq 30", "eq 29"), link="FGH-2/closed-form"),
    row("E", 50, "p50-objects", "E.7: strata B₀…B₃, fibrations, kernels K₀, K₁, K₂, gates g₀…g₃, F and R",
        "definition", claims=("FGH-2",), uses=("eqs 30–33",), link="FGH-2/closed-form"),
]


@check("p45-a1", "p46-a2", controls={"r − 1 ≈ 0": {"first_order": False}})
def log_approximation(first_order: bool = True) -> list[Finding]:
    """log r ≈ r − 1 near r = 1: with x = r − 1, log(1 + x) − x = −x²/2 + O(x³) (Derivation II)."""
    x = var("x")
    return [expansion(sp.log(1 + x), x if first_order else sp.Integer(0), x, 2)]


@check("p45-a2", controls={"exp(y) ≈ 1": {"first_order": False}})
def exp_approximation(first_order: bool = True) -> list[Finding]:
    """1 + y ≈ exp(y) for y = clip(·) near 0: exp(y) − (1 + y) = y²/2 + O(y³) (Derivation II)."""
    y = var("y")
    return [expansion(sp.exp(y), 1 + y if first_order else sp.Integer(1), y, 2)]


@check("p47-a4", controls={"channel means over T + 1": {"offset": 1}})
def reverse_kl_identity(offset: int = 0) -> list[Finding]:
    """log s⁻ − log s⁺ = −mean ℓ (App. E.5.4), T ≤ 8."""

    def build(big_t: int) -> Statement:
        ell = variables("ell", big_t)
        s_pos = sp.Add(*[sp.Max(x, 0) for x in ell]) / big_t
        s_neg = sp.Add(*[sp.Max(-x, 0) for x in ell]) / (big_t + offset)
        return Statement(sp.Eq(s_neg - s_pos, -mean(ell)))

    return [proved(Family(build, t_max=8))]


@check("p48-F", controls={"E.7 without the sign label": {"labelled": False}})
def decomposition_maps_agree(labelled: bool = True) -> list[Finding]:
    """E.5.4's F = max(l log r, 0)/T equals E.7's F = 1[l_i = l] l_i log r/T for both channels l = ±1, log r ≠ 0."""
    ell, big_t = var("ell", "nonzero"), var("T", "positive")
    label = sp.Piecewise((1, ell > 0), (-1, True))
    e7 = [sp.Piecewise((label * ell / big_t if labelled else ell / big_t, sp.Eq(label, c)), (0, True)) for c in (1, -1)]
    e54 = [sp.Max(c * ell, 0) / big_t for c in (1, -1)]
    return [proved(Statement(sp.And(*[sp.Eq(a, b, evaluate=False) for a, b in zip(e54, e7)])))]


@check("p48-gates", controls={"E.7 token gate without the 1/T": {"outer": 1}})
def token_gates_agree(outer: int | None = None) -> list[Finding]:
    """E.7's g₃(σ) = (1/T) clip(T σ, ±ε) equals E.5.4's g_Fiber(σ) = clip(σ, ±ε/T), T ≤ 8."""
    sigma, eps = var("sigma"), var("epsilon", "positive")

    def build(big_t: int) -> Statement:
        scale = sp.Rational(1, big_t) if outer is None else outer
        return Statement(sp.Eq(scale * clip(big_t * sigma, eps), clip(sigma, eps / big_t), evaluate=False))

    return [proved(Family(build, t_max=8))]


@check("p49-verification", controls={"one-token trajectories": {"t_min": 1, "t_max": 1}})
def verification_display(t_min: int = 1, t_max: int = 4) -> list[Finding]:
    """For a token with log r = ℓ > 0, G(σ)_i = g_Fiber(σ − Kπ∗σ)_i + K(g_Base(π∗σ))_i = clip((ℓ − s)/T, ±ε/T) +
    g_agg(s, C, T)/T (E.5.4's objects, s = log s⁺); the display equates it with clip(ℓ − s, ±ε) + g_agg(s, C, T)."""
    ell, s, eps, c = var("ell", "positive"), var("s", "nonnegative"), var("epsilon", "positive"), var("C", "positive")

    def build(scaled: bool):
        def statement(big_t: int) -> Statement:
            gate = clip((ell - s) / big_t, eps / big_t) + gagg(s, c, big_t) / big_t
            return Statement(sp.Eq(clip(ell - s, eps) + gagg(s, c, big_t), big_t * gate if scaled else gate,
                                   evaluate=False))

        return Family(statement, t_max=t_max, t_min=t_min)

    written = proved(build(False))
    if written.outcome.holds:
        return [written]
    return [typo(written, proved(build(True)))]


@check("eq81", controls={"unequal group sizes": {"sizes": (1, 2)}, "tokens summed from i = 0": {"first_index": 0}})
def llm_normalisation(sizes=(2, 2), first_index: int = 1) -> list[Finding]:
    """eq 81 weights a trajectory 1/(#groups · |Tj(g)|), eq 6 weights it 1/|Tj|: per-trajectory means m, groups of
    the given sizes (eq 81 is the GRPO notation, a fixed group of responses per prompt)."""

    def statement(group_sizes) -> Statement:
        means = variables("m", sum(group_sizes))
        it = iter(means)
        groups = [[next(it) for _ in range(k)] for k in group_sizes]
        eq81 = sp.Add(*[sp.Add(*g) / len(g) for g in groups]) / len(groups)
        return Statement(sp.Eq(eq81, sp.Add(*means) / len(means), evaluate=False))

    return [proved(statement(sizes)), token_index_range(first_index)]


def token_index_range(first_index: int) -> Finding:
    """eq 81's token sum Σ_(i=1)^(T_j) (`first_index` 1) against the sum over the trajectory's tokens i = t ∈ {0, …,
    T_j − 1} (C.3 and E.6 set i := t; p. 50's aggregates run i = 0, …, T_j − 1), T_j ≤ 8: x_i is token i's term and
    x_(T_j) the term of a token that does not exist; intended, the sum from i = 0 to T_j − 1."""

    def summed_from(first):
        def statement(big_t: int) -> Statement:
            terms = [var(f"x_{i}") for i in range(big_t + 1)]
            return Statement(sp.Eq(sp.Add(*terms[first:first + big_t]), sp.Add(*terms[:big_t]), evaluate=False))

        return Family(statement, t_max=8)

    written = proved(summed_from(first_index))
    return written if written.outcome.holds else typo(written, proved(summed_from(0)))
