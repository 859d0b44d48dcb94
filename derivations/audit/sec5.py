"""§5 FiberPO (pp. 9–17): eqs 6–20, the regimes of the base weight and of the gated residual, Props 5.2–5.5."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from fiberpo_check.engine.exact_gates import fiber_log_gate
from fiberpo_check.engine.exact_regimes import (FIG2B, channel_regime, global_regime, ray_family, ray_profile, reduced,
                                                 smaller_channel_gated_first)
from fiberpo_check.vocabulary.verdicts import Outcome

from ..formula import Family, Search, Statement, clip, fiber_residuals, gagg, log_gated_residual, mean, var, variables
from ._base import Finding, agree, check, expansion, on_grid, proved, row, typo, under_condition

UNPLOTTED = "describes the plotted configuration of Fig 4 (T = 10, k = 32, ε = 0.04, C⁺ = 0.12, C⁻ = 0.05)"

ROWS = [
    row("5", 9, "p9-step1", "δ-relaxation: replace the vanishing δ^(APC-Obj) with a tunable δ", "assertion",
        unchecked="a design step (a relaxation chosen, not a statement that can hold or fail)"),
    row("5", 9, "p9-step2", "logarithmic approximation: log r ≈ r − 1 and 1 + clip(·) ≈ exp(clip(·))", "proof-step",
        claims=("DER-1",), link="DER-1/approximations"),
    row("5", 9, "p9-step3", "restrict the coupling to the same trajectory, budget T_s δ → T_τ δ", "assertion",
        unchecked="a design step (a relaxation chosen, not a statement that can hold or fail)"),
    row("5", 9, "p9-step4", "per-channel budgets C⁺ + C⁻ = δ accommodate the intrinsic asymmetry log s⁻ ≥ log s⁺",
        "assertion", claims=("FPO-9",), link="FPO-9/expectation"),
    row("5", 9, "eq6", "Ĵ^FiberPO = Σ_X̄ (1/|Tj|)(1/T_τ) G(r•) Â", "definition", claims=("FPO-1",),
        uses=("eq 17", "eq 18", "eq 30", "eq 80", "eq 81", "eq 5"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("5", 9, "eq7", "G(r•)_i = exp∘g_agg(log s⁺)/exp∘g_agg(log s⁻) · logclip((s^(l))^(−l) r)/logclip((s^(−l))^(−l))",
        "definition", claims=("FPO-1",), uses=("eq 11", "eq 16", "eq 80"), link="FPO-1/eq16"),
    row("5", 10, "eq8", "w_τ := exp∘g_agg(log s⁺_τ, C⁺, T_τ)/exp∘g_agg(log s⁻_τ, C⁻, T_τ)", "definition",
        claims=("FGH-2",), uses=("eq 31 (one trajectory per group and domain)", "eq 80", "App. E.5.4 g_Base")),
    row("5", 10, "eq9", "log s⁺_τ := (1/T_τ) Σ max(log r, 0), log s⁻_τ := (1/T_τ) Σ max(−log r, 0)", "definition",
        claims=("FPO-9",), uses=("p. 10 log r_τ = log s⁺ − log s⁻", "App. E.5.4", "eq 80", "eq 81")),
    row("5", 10, "p10-a1", "the total trajectory drift log r_τ = log s⁺ − log s⁻", "assertion"),
    row("5", 10, "p10-a2", "the trajectory TV distance D̂^(τ)_TV ≈ (1/T_τ) Σ_t |log r_t|", "assertion",
        claims=("DER-1",)),
    row("5", 10, "p10-a3", "(i) the mean-subtracted individual token will be large and easily clipped", "assertion",
        unchecked="a qualitative motivation ('large', 'easily'), no bound stated"),
    row("5", 10, "eq10", "g_agg(x, C, T) := x if |x| ≤ C; sign(x)(T+1)C − Tx if C < |x| < (1+1/T)C; 0 otherwise",
        "definition", claims=("FPO-6",), uses=("eq 78", "eq 31", "App. E.5.4 g_Base", "App. E.7 gates"),
        link="FPO-6/continuity"),
    row("5", 10, "p10-P", "(P) |x| ≤ C: the gate outputs x unchanged", "assertion", claims=("FPO-6",)),
    row("5", 10, "p10-R", "(R) the gate reverses slope to −T_τ, a restorative gradient", "assertion",
        claims=("FPO-6",), link="FPO-6/restorative"),
    row("5", 11, "p11-a1", "the rollback regime is the unique continuous piecewise-linear interpolation between "
        "pass-through and zeroing", "assertion", claims=("FPO-6",)),
    row("5", 11, "p11-Z", "(Z) |x| ≥ C*: the gate outputs 0", "assertion", claims=("FPO-6",)),
    row("5", 11, "p11-a2", "the rollback regime has width C/T_τ; g_agg approaches a hard clip at ±C as T_τ → ∞",
        "assertion", claims=("FPO-6",), link=("FPO-6/width", "FPO-6/hard-clip-limit")),
    row("5", 11, "p11-fn3", "footnote 3: regime (R) requires |r−1|/T_s > D̂_TV(s) − δ, equivalently "
        "0 < |clip(r − 1, (B) − (C1))| < |r − 1|", "assertion"),
    row("5", 11, "p11-a3", "C⁻ < C⁺ compensates for the intrinsic KL bias log s⁻_τ ≥ log s⁺_τ", "assertion",
        claims=("FPO-9",), link="FPO-9/expectation"),
    row("5", 11, "p11-a4", "a trajectory in G-I has base weight exactly exp(log s⁺ − log s⁻)", "assertion",
        claims=("FPO-7",), link="FPO-7/G-I"),
    row("5", 11, "p11-a5", "two trajectories with identical mean log-ratio but different D̂ may produce the same "
        "base weights", "assertion", unchecked="an existence remark ('may') with no stated configuration"),
    row("5", 12, "p12-G-I", "G-I: w = exp(log s⁺ − log s⁻), the base gate is transparent", "assertion",
        claims=("FPO-7",), link="FPO-7/G-I"),
    row("5", 12, "p12-G-IIr", "G-II,r: |log w| is rising", "assertion", claims=("FPO-7",),
        link="FPO-7/rise-peak-decline"),
    row("5", 12, "p12-G-II", "G-II (one channel fully gated): |log w| peaks at approximately C^(l) (the surviving "
        "channel's budget)", "assertion", claims=("FPO-7",)),
    row("5", 12, "p12-G-IIIr", "G-III,r (mutual rollback): |log w| is declining", "assertion", claims=("FPO-7",),
        link="FPO-7/rise-peak-decline"),
    row("5", 12, "p12-G-III", "G-III: w = 1 and the trajectory-level gradient contribution vanishes", "assertion",
        claims=("FPO-7",), link="FPO-7/G-III"),
    row("5", 12, "eq11", "r̃_i := logclip((s^(l_i))^(−l_i) r_i, ε) / logclip((s^(−l_i))^(−l_i), ε)", "definition",
        claims=("FPO-1",), uses=("eq 7", "eq 16", "eq 32", "eq 80", "eq 81"), link="FPO-1/eq16"),
    row("5", 12, "eq12", "logclip(x, ε) := exp(clip(log x, ±ε)), equivalently clip(x, e^(−ε), e^(ε))",
        "definition", claims=("FPO-8",), uses=("eq 16", "eq 80", "eq 81")),
    row("5", 12, "p12-a1", "e^(+ε) ≈ 1 + ε + ε²/2 is further from 1 than e^(−ε) ≈ 1 − ε + ε²/2", "assertion",
        claims=("FPO-8",), link="FPO-8/expansion"),
    row("5", 12, "p12-a2", "a symmetric ε in log space subsumes the asymmetric clip bounds ε⁺/ε⁻ of PPO/GRPO "
        "without an additional hyperparameter", "assertion", claims=("FPO-8",), link="FPO-8/asymmetry"),
    row("5", 12, "eq13", "l_i := sign(log r_i) ∈ {+1, −1}", "definition",
        uses=("eqs 14–16", "eq 20 (1[l_i = l_j])", "eq 32", "eq 80", "eq 81")),
    row("5", 12, "p12-cases", "the two sign-channel cases of eq 11 (l = +1: (s⁺)⁻¹ r over (s⁻)⁻¹; l = −1: s⁻ r "
        "over s⁺)", "assertion", claims=("FPO-1",), link="FPO-1/eq16"),
    row("5", 12, "eq14", "u_i := l_i log r_i − log s^(l_i)", "definition", claims=("FPO-1",),
        uses=("eq 16", "eq 20", "p. 14 L-I/II/III", "App. E.5.4 (l clip(l log r − log s^(l)))")),
    row("5", 12, "eq15", "v_i := −log s^(−l_i)", "definition", claims=("FPO-1",), uses=("eq 16", "eq 20"),
        unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("5", 13, "eq16", "r̃_i = logclip(e^(l u), ε)/logclip(e^(l v), ε) = exp(clip(l u, ε) − clip(l v, ε))",
        "assertion", claims=("FPO-1",), link="FPO-1/eq16"),
    row("5", 13, "p13-decoupling", "when |u_i| ≤ ε and |v_i| ≤ ε: log r̃_i = l_i(u_i − v_i) = log r_i − log r_τ",
        "assertion", claims=("FPO-1",), link="FPO-1/unsaturated"),
    row("5", 13, "p13-a1", "l_i u_i = log r_i − l_i log s^(l_i)", "assertion", claims=("FPO-1",)),
    row("5", 13, "p13-a2", "the total mean-centering recovers the true linear surrogate near on-policy (with G-I)",
        "assertion", claims=("FPO-4",), link="FPO-1/G-I"),
    row("5", 13, "p13-a3", "tokens that move closely with the same-sign trajectory mean always pass through the "
        "FiberPO gating function unattenuated", "assertion", claims=("FPO-10",), link="FPO-10/fiber-pass"),
    row("5", 13, "p13-a4", "PPO/GRPO clipping log r_i directly would have more than half the tokens exceed the clip "
        "bound when log s±_τ > ε", "assertion", claims=("FPO-10",), link="FPO-10/ppo-majority"),
    row("5", 13, "p13-a5", "Paris/Rome example: the fiber gate isolates the pure local association", "assertion",
        unchecked="an illustration in words; its content is eq 16 (FPO-1)"),
    row("5", 13, "p13-a6", "this is the orthogonal, non-interfering decomposition guaranteed by π_E∗ ∘ K = id_B",
        "assertion", claims=("FBG-1",), link="FBG-1/zero-residual"),
    row("5", 14, "p14-L-I", "L-I (unclipped): max_i |u_i| < ε; the fiber gate imposes no restriction and faithfully "
        "tracks each token's deviation from the trajectory mean log-ratio", "assertion"),
    row("5", 14, "p14-L-II", "L-II: 0 < n_ε < T_τ, n_ε counts tokens with |u_i| ≥ ε (L-I: n_ε = 0, L-III: n_ε = T_τ)",
        "definition", uses=("p. 14 L-I", "p. 14 L-III", "Fig 3a")),
    row("5", 14, "p14-L-III", "L-III: min_i |u_i| ≥ ε; the Jacobian (20) reduces to (G_j/r_j)(1/T_τ) γ^(l_j)",
        "assertion", claims=("FPO-2",), link="FPO-2/L-III-shortcut"),
    row("5", 14, "p14-L-III-prefactor", "L-III: the entry J(G)_ij reduces to (G_j/r_j)(1/T_τ) γ^(l_j) (eq 20's "
        "prefactor is G_i/r_j)", "proof-step", claims=("FPO-2",)),
    row("5", 14, "p14-fig3", "many parts of the L-I/II/III cascade fit inside G-I (Fig 3)", "assertion",
        unchecked="describes the plotted configuration of Fig 3 (T = 3, ε = 0.025, C⁺ = 0.15, C⁻ = 0.09)"),
    row("5", 14, "eq17", "per-token contribution (1/|Tj|)(1/T_τ) w_τ r̃_i Â_i", "definition", claims=("FPO-1",),
        unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("5", 14, "eq18", "Ĵ^FiberPO = Σ_X̄ (1/|Tj|)(1/T_τ) w_τ r̃_i Â (and its u, v form)", "definition",
        claims=("FPO-1",), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("5", 15, "p15-fig4a", "local regulation engages first: tokens hit the ε-clip well before the aggregates "
        "reach the budget", "assertion", unchecked=UNPLOTTED),
    row("5", 15, "p15-fig4b", "rollback activates on aggregate drift: once log s⁻ exceeds C⁻ the base weight opposes "
        "the drift", "assertion", unchecked=UNPLOTTED),
    row("5", 16, "p16-fig4c", "the total objective rises, peaks, declines and returns to baseline (G-III, w = 1)",
        "assertion", unchecked=UNPLOTTED),
    row("5", 16, "eq19", "∂Ĵ/∂θ = Σ_(i,j,k) ∂z_k/∂θ μ_i J(G)_ij r_j(δ_jk − (π_θ)_k) Â_ψ(i), Π_jk = ∂r_j/∂z_k",
        "assertion"),
    row("5", 16, "p16-a1", "since G_i = exp(log G_i), J(G)_ij factors as (G_i/r_j) ∂log G_i/∂log r_j", "proof-step",
        claims=("FPO-2",)),
    row("5", 16, "eq20", "J(G)_ij = (G_i/r_j) 1[τ_i = τ_j](1[|u_i| ≤ ε]1[i = j] + (1/T)(γ^(l_j) − 1[|u_i| ≤ ε]"
        "1[l_i = l_j] − 1[|v_i| ≤ ε](1 − 1[l_i = l_j])))", "assertion", claims=("FPO-2",), link="FPO-2/eq20"),
    row("5", 16, "Proposition 5.2", "the Jacobian of the FiberPO ratio gating map is eq 20", "assertion",
        claims=("FPO-2",), link="FPO-2/eq20"),
    row("5", 16, "p16-gamma", "γ^(l) = g_agg′ takes 1 (pass-through), −T_τ (rollback), 0 (zeroed)", "assertion",
        claims=("FPO-6",)),
    row("5", 16, "Property 5.3", "J(G)_ij = 0 whenever τ_i ≠ τ_j: block-diagonal over trajectories", "assertion",
        claims=("FPO-3",), link="FPO-3/block-diagonal"),
    row("5", 17, "Property 5.4", "at r• = 1 the Jacobian reduces to 1[i = j]/r_j, the identity gating", "assertion",
        claims=("FPO-4",), link="FPO-4/identity-ball"),
    row("5", 17, "Property 5.5", "term (a) is O(1); term (b) is weighted by 1/T_τ", "assertion", claims=("FPO-5",),
        link="FPO-5/coupling"),
    row("5", 17, "p17-a1", "in the near-on-policy regime the local gradient dominates", "assertion",
        claims=("FPO-5",), link="FPO-4/identity-ball"),
    row("5", 16, "p16-fn4", "footnote 4: a canonical parametrization leads to sparse ∂z_k/∂θ and minimal "
        "cross-trajectory coupling", "assertion", unchecked="an informal remark about network parametrizations"),
]


@check("eq8", controls={"domain gated with twice the count": {"domain_count": 2}})
def domain_reduces_to_trajectory(domain_count: int = 1) -> list[Finding]:
    """eq 31 with one trajectory per prompt group and per domain (log s_D = log s_g = log s_τ, T_D = T_g = T_τ) is
    eq 8: the six gated terms collapse to g_agg(log s⁺) − g_agg(log s⁻)."""
    xp, xn = var("x_pos", "nonnegative"), var("x_neg", "nonnegative")
    cp, cn = var("C_pos", "positive"), var("C_neg", "positive")

    def build(big_t: int) -> Statement:
        def level_sum(x, c):
            return gagg(x, c, domain_count * big_t) + gagg(x - x, c, big_t) + gagg(x - x, c, big_t)

        return Statement(sp.Eq(level_sum(xp, cp) - level_sum(xn, cn), gagg(xp, cp, big_t) - gagg(xn, cn, big_t)))

    return [proved(Family(build, t_max=6))]


@check("eq9", "p10-a1", controls={"channel means over different lengths": {"neg_length_offset": 1}})
def drift_is_channel_difference(neg_length_offset: int = 0) -> list[Finding]:
    """log s⁺ − log s⁻ = (1/T) Σ_t log r_t = log r_τ (eq 9; p. 10; App. E.5.4 writes it as log s⁻ − log s⁺ = −mean)."""

    def build(big_t: int) -> Statement:
        ell = variables("ell", big_t)
        s_pos = sp.Add(*[sp.Max(x, 0) for x in ell]) / big_t
        s_neg = sp.Add(*[sp.Max(-x, 0) for x in ell]) / (big_t + neg_length_offset)
        return Statement(sp.Eq(s_pos - s_neg, mean(ell)))

    return [proved(Family(build, t_max=8))]


@check("p10-a2", controls={"|r − 1| ≈ 0": {"first_order": False}})
def abs_log_approximates_tv(first_order: bool = True) -> list[Finding]:
    """|r − 1| ≈ |log r| per token (p. 10 (ii)); with ℓ = log r > 0, e^ℓ − 1 − ℓ = ℓ²/2 + O(ℓ³)."""
    ell = var("ell", "positive")
    return [expansion(sp.exp(ell) - 1, ell if first_order else sp.Integer(0), ell, 2)]


@check("p11-a1", controls={"zeroing at (1 + 2/k)C": {"zero_at": 2}})
def rollback_slope_is_forced(zero_at: int = 1) -> list[Finding]:
    """The line through (C, C) and ((1 + zero_at/k) C, 0) has slope −k only for the paper's C* = (1 + 1/k)C (eq 10)."""
    c, k = var("C", "positive"), var("k", "positive")
    slope = (0 - c) / ((1 + sp.Integer(zero_at) / k) * c - c)
    return [proved(Statement(sp.Eq(slope, -k)))]


@check("p11-fn3", controls={"without regime (R)'s D̂_TV > δ (eq 62)": {"in_regime_r": False}})
def rollback_footnote(in_regime_r: bool = True) -> list[Finding]:
    """Footnote 3: in regime (R) (eq 62: D̂ > δ), with (C1) = T_s D̂ − |Δ| the cross consumption,
    |Δ|/T_s > D̂ − δ ⟺ 0 < |clip(Δ, T_s δ − (C1))| < |Δ|, for every T_s (a positive-integer variable)."""
    delta, cross, radius = var("Delta", "nonzero"), var("C1", "nonnegative"), var("delta", "positive")
    t_s = var("T_s", "positive integer")
    tv = (cross + sp.Abs(delta)) / t_s
    out = sp.Abs(clip(delta, t_s * radius - cross))
    hyps = [sp.Abs(delta) / t_s > tv - radius] + ([tv > radius] if in_regime_r else [])
    return [proved(Statement(sp.And(out > 0, out < sp.Abs(delta)), hyps))]


@check("p12-G-II", controls={"the other channel's budget": {"surviving": "neg"}})
def one_sided_peak(surviving: str = "pos") -> list[Finding]:
    """In G-II (negative channel zeroed, log s⁻ ≥ C*⁻; positive channel passing, 0 ≤ log s⁺ ≤ C⁺) |log w| ≤ C⁺,
    with equality at log s⁺ = C⁺: the peak is exactly the surviving channel's budget (p. 12)."""
    xp, xn = var("x_pos", "nonnegative"), var("x_neg", "nonnegative")
    cp, cn = var("C_pos", "positive"), var("C_neg", "positive")
    peak = cp if surviving == "pos" else cn

    def build(big_t: int) -> Statement:
        log_w = gagg(xp, cp, big_t) - gagg(xn, cn, big_t)
        region = [xp <= cp, xn >= (1 + sp.Rational(1, big_t)) * cn]
        return Statement(sp.And(sp.Abs(log_w) <= peak, sp.Implies(sp.Eq(xp, cp), sp.Eq(sp.Abs(log_w), peak))),
                         region)

    return [proved(Family(build, t_max=6))]


@check("eq13", controls={"sign(0) := 0": {"zero_label": 0}})
def sign_of_zero_irrelevant(zero_label: int = -1) -> list[Finding]:
    """A token with log r = 0 gets the same log r̃ under l = +1 and under l = zero_label (eqs 13–16): clip is odd."""
    eps = var("epsilon", "positive")

    def build(big_t: int) -> Statement:
        ell = variables("ell", big_t - 1)  # the other tokens; the audited token has log r = 0
        s_pos, s_neg = (sp.Add(*[sp.Max(sign * x, 0) for x in ell]) / big_t for sign in (1, -1))

        def residual(label):
            same, opposite = (s_pos, s_neg) if label > 0 else (s_neg, s_pos)
            return clip(label * (label * 0 - same), eps) - clip(label * (-opposite), eps)

        return Statement(sp.Eq(residual(1), residual(zero_label)))

    return [proved(Family(build, t_max=6, t_min=2))]


@check("eq14", "p13-a1", controls={"labels ±2": {"labels": (2, -2)}})
def signed_residual(labels=(1, -1)) -> list[Finding]:
    """l u = l(l ℓ − log s^(l)) = ℓ − l log s^(l) for l ∈ {+1, −1} (eq 14, p. 13)."""
    ell, s, lab = var("ell"), var("s"), var("l")
    return [proved(Statement(sp.Eq(lab * (lab * ell - s), ell - lab * s), [sp.Or(*[sp.Eq(lab, x) for x in labels])]))]


@check("p14-L-I", controls={"with |v_i| ≤ ε as well": {"with_v": True}})
def regime_one_is_unclipped(with_v: bool = False) -> list[Finding]:
    """L-I (max_i |u_i| < ε) ⇒ log r̃_i = ℓ_i − mean ℓ for every token (p. 14; eq 16), at ε = 1 (the statement is
    invariant under scaling ℓ and ε together, so a counterexample at ε = 1 is one for every ε), exactly on a grid."""
    eps = sp.Integer(1)

    def statement(big_t: int, extra: bool) -> Statement:
        ell = variables("ell", big_t, "nonzero")  # no token at log r = 0: the sign(0) convention plays no part
        u, v = fiber_residuals(ell)
        hyps = [sp.Abs(x) < eps for x in u] + ([sp.Abs(x) <= eps for x in v] if extra else [])
        tracks = [sp.Eq(log_gated_residual(ell, i, eps), ell[i] - mean(ell)) for i in range(big_t)]
        return Statement(sp.And(*tracks), hyps)

    grid = (-2, -1, 1, 2)
    family = "ε = 1, T = 3, every ℓ ∈ {±1, ±2}^3"
    written = on_grid(family, {3: statement(3, with_v)}, grid)
    if written.outcome.holds:
        return [written]
    return [under_condition(written, "|v_i| ≤ ε for every token (the denominator clip of eq 16 inactive)",
                            on_grid(family, {3: statement(3, True)}, grid))]


@check("p14-L-II", controls={"L-III from n_ε ≥ 1": {"l3_from": 1}})
def local_regimes_partition(l3_from: int | None = None) -> list[Finding]:
    """L-I (n_ε = 0), L-II (0 < n_ε < T), L-III (n_ε = T) are disjoint and cover every count n_ε, T ≤ 64."""
    cases = tuple((t, n) for t in range(1, 65) for n in range(t + 1))

    def one_regime(t: int, n: int) -> bool:
        third = n >= (l3_from if l3_from is not None else t)
        return [n == 0, 0 < n < t, third].count(True) == 1

    return [proved(Search("every (T, n_ε), 1 ≤ T ≤ 64, 0 ≤ n_ε ≤ T", cases, one_regime))]


@check("eq19", controls={"Π_jk with the same-state factor": {"same_state_factor": True}})
def logit_to_ratio_jacobian(same_state_factor: bool = False) -> list[Finding]:
    """Two states, two actions each, π = softmax(z) per state, r = π/π_old: ∂r_j/∂z_k against Π_jk = r_j(δ_jk − π_k)
    (eq 19), for j, k at the same state and at different states."""
    z = {(s, a): var(f"z_{s}{a}") for s in (1, 2) for a in (1, 2)}
    old = {key: sp.Rational(1, 2) for key in z}

    def prob(s, a):
        return sp.exp(z[s, a]) / (sp.exp(z[s, 1]) + sp.exp(z[s, 2]))

    def gap(j, k):
        ratio = prob(*j) / old[j]
        formula = ratio * ((1 if j == k else 0) - prob(*k)) * (1 if (j[0] == k[0] or not same_state_factor) else 0)
        formula = formula if j[0] == k[0] or not same_state_factor else sp.Integer(0)
        return sp.simplify(sp.diff(ratio, z[k]) - formula)

    same = [gap((1, 1), k) for k in ((1, 1), (1, 2))]
    across = gap((1, 1), (2, 1))
    at_zero = across.subs({v: 0 for v in z.values()})
    same_ok = all(g == 0 for g in same)
    holds = same_ok and at_zero == 0 and sp.simplify(across) == 0
    return [Finding("∂r_(s1,a1)/∂z_k = r_(s1,a1)(δ_jk − π_k) for k at s1 and at s2",
                    Outcome("proof", "sympy", "two states × two actions, softmax logits", holds,
                            counterexample="" if holds else
                            f"z ≡ 0, j = (s1, a1), k = (s2, a1): ∂r_j/∂z_k = 0 but Π_jk = {-at_zero + 0}",
                            measurements={"same-state entries agree": same_ok}))]


@check("p16-a1", controls={"without the 1/r_j": {"divide_by_ratio": False}})
def log_jacobian_factor(divide_by_ratio: bool = True) -> list[Finding]:
    """∂G_i/∂r_j = (G_i/r_j) ∂log G_i/∂log r_j for G = exp(h(log r₁, log r₂)), any differentiable h (p. 16)."""
    y1, y2 = var("y_1"), var("y_2")
    h = sp.Function("h")(y1, y2)
    gate = sp.exp(h)
    direct = sp.diff(gate, y1) / sp.exp(y1)  # ∂G/∂r₁ = (∂G/∂y₁)(∂y₁/∂r₁), r₁ = e^(y₁)
    factored = gate / (sp.exp(y1) if divide_by_ratio else 1) * sp.diff(sp.log(gate), y1)
    gap = sp.simplify(direct - factored)
    return [Finding("∂G/∂r₁ = (G/r₁) ∂log G/∂log r₁ (r = e^y, G = exp h(y))",
                    Outcome("proof", "sympy", "every differentiable h of the log-ratios", gap == 0,
                            counterexample="" if gap == 0 else f"the two sides differ by {gap}"))]


def gagg_piece(piece: str, slope_shift: int = 0) -> list[Finding]:
    """On one piece of eq 10 — pass-through |x| ≤ C, rollback C < |x| < C* = (1 + 1/T)C, zeroed |x| ≥ C* — the value
    and the slope of g_agg, for every T (T a positive-integer variable; |x| < C* is written T|x| < (T + 1)C)."""
    x, y, c, big_t = var("x"), var("y"), var("C", "positive"), var("T", "positive integer")
    if piece == "pass":
        return [proved(Statement(sp.Eq(gagg(x, c, big_t), x + slope_shift * x), [sp.Abs(x) <= c]))]
    if piece == "zero":
        return [proved(Statement(sp.Eq(gagg(x, c, big_t), slope_shift * x),
                                 [big_t * sp.Abs(x) >= (big_t + 1) * c]))]

    def band(z, lo, hi):
        return {"pass": [sp.Abs(z) < c], "rollback": [z * lo > c * lo, big_t * z * lo < (big_t + 1) * c * lo] if hi
                else [], "zero": [big_t * sp.Abs(z) > (big_t + 1) * c]}

    slopes = []
    for name, sign, slope in (("pass", 1, 1), ("rollback", 1, -big_t), ("rollback", -1, -big_t), ("zero", 1, 0)):
        inside = [*band(x, sign, True)[name], *band(y, sign, True)[name], sp.Ne(x, y)]
        slopes.append(sp.Implies(sp.And(*inside), sp.Eq(gagg(x, c, big_t) - gagg(y, c, big_t),
                                                        (slope + slope_shift) * (x - y))))
    return [proved(Statement(sp.And(*slopes)))]


@check("p10-P", controls={"slope 2 on the pass-through piece": {"slope_shift": 1}})
def gagg_pass_through(slope_shift: int = 0) -> list[Finding]:
    """(P): |x| ≤ C ⇒ g_agg(x, C, T) = x, every T (eq 10)."""
    return gagg_piece("pass", slope_shift)


@check("p11-Z", controls={"a nonzero tail": {"slope_shift": 1}})
def gagg_zeroed(slope_shift: int = 0) -> list[Finding]:
    """(Z): |x| ≥ C* = (1 + 1/T)C ⇒ g_agg(x, C, T) = 0, every T (eq 10)."""
    return gagg_piece("zero", slope_shift)


@check("p16-gamma", "p19-a4", controls={"rollback slope −T + 1": {"slope_shift": 1}})
def gagg_slopes(slope_shift: int = 0) -> list[Finding]:
    """γ = g_agg′ is 1 on (−C, C), −T on both rollback bands, 0 beyond C*, every T (p. 16; eq 10); so each level of
    eq 31 has the three regimes with its own count T_D, T_g or T_τ in place of T (p. 19)."""
    return gagg_piece("slopes", slope_shift)


def trend_violation(direction: tuple[int, int], regime: str, rising: bool) -> str:
    """'' when |log w| (eq 8, Fig 2b budgets) is monotone as claimed through `regime` on the ray ρ·direction; else
    the two exact points where it moves the other way. ray_profile lists every breakpoint (regime edges, zeros of
    log w) and the midpoints between them, so |log w| is linear between consecutive points, and the regime of that
    segment is the regime at its middle (|log w| is continuous, so the segments' ends count)."""
    c_pos, c_neg, k = FIG2B["c_pos"], FIG2B["c_neg"], FIG2B["k"]
    profile = ray_profile(direction, **FIG2B)
    for (r0, _, v0), (r1, _, v1) in zip(profile, profile[1:]):
        middle = (r0 + r1) / 2
        inside = global_regime(channel_regime(middle * direction[0], c_pos, k),
                               channel_regime(middle * direction[1], c_neg, k)) == regime
        if inside and (v1 < v0 if rising else v1 > v0):
            return (f"ray (log s⁺, log s⁻) = ρ{direction}: |log w| = {v0} at ρ = {r0}, {v1} at ρ = {r1} "
                    f"(a segment in {regime})")
    return ""


def base_weight_trend(regime: str, rising: bool) -> list[Finding]:
    """|log w| = |g_agg(log s⁺, C⁺, k) − g_agg(log s⁻, C⁻, k)| rises (or declines) through `regime` along every ray
    from the origin, Fig 2b's C⁺ = 1/5, C⁻ = 1/10, k = 2 (p. 12); else under Fig 2b's diagonal order of gating."""
    c_pos, c_neg, k = FIG2B["c_pos"], FIG2B["c_neg"], FIG2B["k"]
    rays = sorted({reduced(d) for d in ray_family()})
    trend = "rises" if rising else "declines"
    family = f"rays ρ(12, m), ρ(m, 12), m = 0..12, C⁺ = {c_pos}, C⁻ = {c_neg}, k = {k}: |log w| {trend} through {regime}"

    def search(directions, name):
        return proved(Search(name, tuple((d,) for d in directions), lambda d: not trend_violation(d, regime, rising),
                             lambda d: trend_violation(d, regime, rising)))

    written = search(rays, family)
    if written.outcome.holds:
        return [written]
    ordered = [d for d in rays if smaller_channel_gated_first(d, c_pos, c_neg, k)]
    return [under_condition(written, "the channel with the smaller aggregate is fully gated before the other reaches "
                            "its budget (the order of Fig 2b's diagonal)",
                            search(ordered, f"{family}, the {len(ordered)} rays in Fig 2b's diagonal order"))]


@check("p12-G-IIr", controls={"read as declining": {"rising": False}})
def rollback_one_channel_rises(rising: bool = True) -> list[Finding]:
    """G-II,r (one channel rolling back): |log w| is rising (p. 12; Fig 2 caption)."""
    return base_weight_trend("G-II,r", rising)


@check("p12-G-IIIr", controls={"read as rising": {"rising": True}})
def mutual_rollback_declines(rising: bool = False) -> list[Finding]:
    """G-III,r (mutual rollback): |log w| is declining (p. 12; Fig 2 caption)."""
    return base_weight_trend("G-III,r", rising)


@check("p14-L-III-prefactor", controls={"the intended reading without 1/T_τ": {"intended_scale": 1}})
def l3_prefactor(intended_scale=None) -> list[Finding]:
    """J(G)_12 = ∂G_1/∂r_2 in L-III (T = 2, ε = 1/10, C± = 1: both channels pass, γ = 1) against p. 14's
    (G_2/r_2)(1/T)γ and eq 20's (G_1/r_2)(1/T)γ; ∂log G_1/∂log r_2 is the exact slope of the piecewise-linear
    log G (eqs 7–16) on a one-sided step that stays in one linear piece (checked from both sides)."""
    ell, eps, budget = (Fraction(1, 10), Fraction(1, 2)), Fraction(1, 10), Fraction(1)
    big_t = len(ell)
    scale = Fraction(1, big_t) if intended_scale is None else Fraction(intended_scale)

    def log_gate(i, shift=Fraction(0)):
        return fiber_log_gate((ell[0], ell[1] + shift), budget, budget, eps)[i]

    step = Fraction(1, 10**6)
    slopes = {(log_gate(0, h) - log_gate(0)) / h for h in (step, -step, step / 2)}
    if len(slopes) != 1:
        raise ValueError(f"ell: {ell} sits on a kink of log G_1 (one-sided slopes {sorted(slopes)})")
    slope = slopes.pop()
    gate_1, gate_2, r_2 = sp.exp(log_gate(0)), sp.exp(log_gate(1)), sp.exp(ell[1])
    u = [x - sum(ell) / big_t for x in ell]  # both tokens positive: u_i = ℓ_i − log s⁺, v_i = −log s⁻ = 0
    where = f"T = 2, log r = ({ell[0]}, {ell[1]}), ε = {eps}, C± = {budget}, u = ({u[0]}, {u[1]})"
    jacobian = gate_1 / r_2 * slope
    written = agree("J(G)_12 (eqs 7–16)", jacobian, "p. 14's (G_2/r_2)(1/T)γ", gate_2 / r_2 / big_t, where)
    if written.outcome.holds:
        return [written]
    return [typo(written, agree("J(G)_12 (eqs 7–16)", jacobian, "eq 20's (G_1/r_2)(1/T)γ", gate_1 / r_2 * scale,
                                where))]


@check("eq12", controls={"bounds 1 ± ε in ratio space": {"linear_bounds": True}})
def logclip_in_ratio_space(linear_bounds: bool = False) -> list[Finding]:
    """logclip(x, ε) = exp(clip(log x, ±ε)) equals clip(x, e^(−ε), e^(ε)) (eq 12), evaluated exactly by SymPy on every
    x ∈ {1/8, 1/2, 9/10, 1, 11/10, 2, 8} and ε ∈ {1/25, 1/5, 1}."""
    def bounds(eps):
        return (1 - eps, 1 + eps) if linear_bounds else (sp.exp(-eps), sp.exp(eps))

    def same(x, eps) -> bool:
        low, high = bounds(eps)
        return sp.simplify(sp.exp(sp.Min(sp.Max(sp.log(x), -eps), eps)) - sp.Min(sp.Max(x, low), high)) == 0

    cases = tuple((sp.Rational(x), sp.Rational(e)) for x in ("1/8", "1/2", "9/10", "1", "11/10", "2", "8")
                  for e in ("1/25", "1/5", "1"))
    return [proved(Search("x ∈ {1/8, 1/2, 9/10, 1, 11/10, 2, 8}, ε ∈ {1/25, 1/5, 1}", cases, same,
                          lambda x, eps: f"x = {x}, ε = {eps}: exp(clip(log x, ±ε)) ≠ clip(x, {bounds(eps)})"))]

