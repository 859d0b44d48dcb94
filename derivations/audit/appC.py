"""App. C RGF and APC-Obj derivations (pp. 27–32): eqs 57–64, regimes (P)/(R)/(Z), relaxations, Claim 3.5's proof."""

from __future__ import annotations

import itertools
from fractions import Fraction

import sympy as sp

from fiberpo_check.engine.exact_gates import frac_clip
from ..formula import Family, Search, Statement, clip, mean, var, variables
from ._base import Finding, agree, check, expansion, identity, proved, row, typo

ROWS = [
    row("C", 27, "eq57", "Def C.1: Ĵ^APC = (1/T) Σ_X̄ (clip(r − 1, T_s δ^(APC) − Σ_other |r − 1|) Â + Â), "
        "δ^(APC) := (1−γ)² M/(8γ‖Â‖ T)", "definition", claims=("APC-1",), uses=("eq 3", "eq 72"), link="APC-1/same-delta"),
    row("C", 27, "p27-a1", "removing the constant (1 − γ)⁻¹ does not change the arg max over θ", "assertion",
        claims=("APC-1",)),
    row("C", 27, "p27-fn5", "footnote 5: at γ = 1, Γ(s) = T_s and Γ = T, so Γ(s)/Γ · (1/T_s) per token is the "
        "normalized counting measure 1/T", "assertion", claims=("APC-1",)),
    row("C", 27, "eq58", "Def C.2: the APC-Obj objective in RGF form, μ = 1/T over E", "definition",
        claims=("APC-1",), uses=("eq 3", "eq 64"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("C", 28, "eq59", "Def C.3: G^APC(r•) = clip(r − 1, T_s δ − Σ_other |r − 1|) + 1", "definition",
        claims=("APC-5",), uses=("eq 2 (G : R^E_>0 → R^E_>0)", "eq 60"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("C", 28, "eq60", "(C1) = Σ_other |r − 1| = T_s D̂_TV(s) − |r − 1|; (C1) + (C2) = T_s D̂_TV(s)", "assertion",
        claims=("APC-5",)),
    row("C", 28, "eq61", "(P): |r − 1| ≤ T_s δ − (C1) ⟺ D̂_TV(s) ≤ δ", "assertion", claims=("APC-5",),
        link="APC-5/P"),
    row("C", 28, "eq62", "(R): D̂_TV(s) > δ and |r − 1|/T_s > D̂_TV(s) − δ", "assertion", claims=("APC-5",),
        link="APC-5/R"),
    row("C", 29, "eq63", "(Z): D̂_TV(s) > δ and |r − 1|/T_s ≤ D̂_TV(s) − δ", "assertion", claims=("APC-5",),
        link="APC-5/Z"),
    row("C", 29, "p29-a1", "in (R) or (Z) the clipping suppresses the gated ratios' TV strictly below δ (Lemma D.9)",
        "assertion", claims=("APC-4",), link="APC-4/D.9-2"),
    row("C", 29, "Remark C.4", "the per-state regimes (P), (R), (Z) lift to the three regimes of g_agg", "assertion",
        claims=("DER-1",), link="DER-1/decomposed-is-eq77"),
    row("C", 29, "p29-C3", "LLM notation g := s₀(τ), j := τ, i := t", "definition",
        unchecked="notation (an index dictionary)"),
    row("C", 29, "p29-ppo", "PPO: E ≃ X, μ = n/T, G_PPO = sign(Â) min(clip(r, 1 ± ε) sign(Â), r sign(Â))",
        "definition", claims=("RGF-1",), link="RGF-1/ppo"),
    row("C", 29, "p29-grpo", "GRPO: μ = 1/(|Tj| T_τ), G_GRPO = G_PPO", "definition", claims=("RGF-1",),
        link="RGF-1/grpo"),
    row("C", 29, "p29-gspo", "GSPO: μ = 1/(|Tj| T_τ), G = l_τ min(clip(s_τ, 1 ± ε) l_τ, s_τ l_τ)", "definition",
        claims=("RGF-1",), link="RGF-1/gspo"),
    row("C", 30, "Remark C.5", "without the min, the gates contain no sign functions", "assertion",
        unchecked="a remark on notation (read off the formulas)"),
    row("C", 30, "eq64", "C.5: the APC-Obj RGF form recalled (eq 58) as the source of the relaxations", "definition",
        claims=("APC-1",), uses=("eq 58", "C.5.1–C.5.3"), unchecked="a definition: it introduces notation (its uses are checked where they are stated)"),
    row("C", 30, "p30-C51", "C.5.1: δ-relaxation, then decoupling gives PPO", "proof-step", claims=("RGF-2",),
        link="RGF-2/decoupling"),
    row("C", 30, "p30-C52", "C.5.2: δ-relaxation, decoupling, sequence-length weighting give GRPO", "proof-step",
        claims=("RGF-2",), link="RGF-2/decoupling"),
    row("C", 31, "p31-a1", "compared with PPO, GRPO penalizes extremely long sequences via the 1/T_τ normalization",
        "assertion"),
    row("C", 31, "p31-C53-2", "C.5.3 step 2: the per-state bound is replaced by T_τ δ_seq − Σ_(t′≠t) |r − 1|",
        "proof-step", claims=("RGF-2",), unchecked="a design step (a relaxation chosen, not a statement that can hold or fail)"),
    row("C", 31, "p31-C53-3", "step 3: −log s_τ := D̂^(τ)_KL := (1/T_τ) Σ_(t′) log r_(s_t, a_t)", "definition",
        claims=("RGF-2",), uses=("eq 49", "Claim 3.5")),
    row("C", 31, "p31-a2", "step 3: the clip activates only when T_τ D̂^(τ)_TV ≥ T_τ δ_seq, regardless of log r",
        "proof-step", claims=("RGF-2",)),
    row("C", 31, "p31-a3", "case (2): the objective simplifies to Σ_τ (1/|Tj|)(log s_τ + 1) Â_τ", "proof-step",
        claims=("RGF-2",)),
    row("C", 32, "p32-C53-4", "step 4: Pinsker gives −½ log s_τ ≳ (D̂_TV)², so −log s_τ ≤ 2δ² makes case (2) "
        "likely; ε = 2δ²", "proof-step", claims=("RGF-2",), link="TRPO-4/eq39"),
    row("C", 32, "p32-a1", "App. C.6: D̄^(tj)_KL ≈ D̂^(τ)_KL ≤ −log(1 − ε) ≈ ε", "proof-step", claims=("RGF-3",)),
    row("C", 32, "p32-a2", "App. C.6: (D̄_TV)² ≤ E[D_TV(s)²] ≤ ½ D̄_KL ≲ ε/2, so D̄_TV ≲ √(ε/2)", "proof-step",
        claims=("RGF-3",), link=("RGF-3/jensen", "RGF-3/pinsker", "RGF-3/kl-bound")),
]


@check("p27-a1", controls={"a constant of either sign": {"positive": False}})
def positive_constant_keeps_argmax(positive: bool = True) -> list[Finding]:
    """c > 0 ⇒ (f(x) ≥ f(y) ⟺ c f(x) ≥ c f(y)): scaling by (1 − γ)⁻¹ keeps every arg max (App. C.1)."""
    c, fx, fy = var("c", "positive" if positive else "nonzero"), var("f_x"), var("f_y")
    same = sp.And(sp.Implies(fx >= fy, c * fx >= c * fy), sp.Implies(c * fx >= c * fy, fx >= fy))
    return [proved(Statement(same))]


@check("p27-fn5", controls={"weights Γ(s)/Γ · 1/(T_s + 1)": {"offset": 1}})
def undiscounted_weights(offset: int = 0) -> list[Finding]:
    """At γ = 1, Γ(s) = T_s, so Σ_s (Γ(s)/Γ)(1/T_s) Σ_a n_(s,a) x_(s,a) = (1/T) Σ_X̄ x for every sample of ≤ 4 tokens
    over 2 states × 2 actions, x ∈ {0, 1} per (s, a) (footnote 5)."""
    tokens = [(s, a) for s in (0, 1) for a in (0, 1)]
    cases = tuple((sample, x) for n in range(1, 5) for sample in itertools.product(tokens, repeat=n)
                  for x in itertools.product((0, 1), repeat=4))

    def same(sample, x) -> bool:
        value = dict(zip(tokens, map(Fraction, x)))
        weighted = Fraction(0)
        for s in (0, 1):
            count = sum(1 for tok in sample if tok[0] == s)
            if count:
                weighted += Fraction(count, len(sample)) / (count + offset) * sum(value[t] for t in sample if t[0] == s)
        return weighted == sum(value[t] for t in sample) / len(sample)

    return [proved(Search("every sample of 1–4 tokens over 2 states × 2 actions, x ∈ {0, 1}^4", cases, same))]


@check("eq60", controls={"counting the token itself": {"include_self": True}})
def cross_consumption(include_self: bool = False) -> list[Finding]:
    """Σ_(other entries at s) |Δ| = T_s D̂_TV(s) − |Δ_a| for every entry, T_s ≤ 5 tokens at one state (eq 60)."""

    def build(t_s: int) -> Statement:
        deltas = variables("Delta", t_s)
        tv = sp.Add(*[sp.Abs(d) for d in deltas]) / t_s
        others = [sp.Add(*[sp.Abs(d) for j, d in enumerate(deltas) if j != i or include_self]) for i in range(t_s)]
        return Statement(sp.And(*[sp.Eq(o, t_s * tv - sp.Abs(d), evaluate=False) for o, d in zip(others, deltas)]))

    return [proved(Family(build, t_max=5))]


@check("p31-a1", "p47-a1", controls={"weights growing with length": {"power": 1}})
def length_weighting_direction(power: int = -1) -> list[Finding]:
    """A longer trajectory's tokens weigh less: the per-token weight 1/(|Tj| T_τ) of GRPO (C.5.2) and FiberPO
    (E.5.3) satisfies T₁ > T₂ ⇒ w(T₁) < w(T₂), so the weighting penalizes length and favours shorter responses."""
    long, short, groups = var("T_1", "positive"), var("T_2", "positive"), var("N", "positive")
    weight = lambda t: t ** power / groups  # noqa: E731
    return [proved(Statement(weight(long) < weight(short), [long > short]))]


@check("p31-C53-3", controls={"the sign of eq 49": {"sign": -1}})
def kl_estimate_sign(sign: int = 1) -> list[Finding]:
    """Step 3 writes −log s_τ := D̂^(τ)_KL := sign · (1/T) Σ log r; eq 49 has D̂^(τ)_KL = −(1/T) Σ log r (T = 2)."""
    r = variables("r", 2, "positive")
    log_s = sp.Add(*[sp.log(x) for x in r]) / 2
    probe, domain = {x: 2 for x in r}, "all positive r₁, r₂"
    written = identity(-log_s, sign * sp.Add(*[sp.log(x) for x in r]) / 2, probe, domain)
    if written.outcome.holds:
        return [written]
    return [typo(written, identity(-log_s, -sp.Add(*[sp.log(x) for x in r]) / 2, probe, domain))]


@check("p31-a2", controls={"activation only below −1": {"threshold": -1}})
def clip_activation(threshold: int = 0) -> list[Finding]:
    """clip(x, ±(B + |x|)) ≠ x ⇒ B ≤ threshold, with B = T_τ(δ_seq − D̂^(τ)_TV) (step 3, C.5.3)."""
    x, bound = var("x"), var("B")
    return [proved(Statement(bound <= threshold, [sp.Ne(clip(x, bound + sp.Abs(x)), x)]))]


@check("p31-a3", controls={"weights 1/(T + 1)": {"offset": 1}})
def unclipped_case(offset: int = 0) -> list[Finding]:
    """Σ_t (1/T)(log r_t + 1) Â = (log s_τ + 1) Â with log s_τ the mean log-ratio (case (2), C.5.3), T ≤ 6."""
    adv = var("A")

    def build(big_t: int) -> Statement:
        ell = variables("ell", big_t)
        lhs = sp.Add(*[(x + 1) * adv for x in ell]) / (big_t + offset)
        return Statement(sp.Eq(lhs, (mean(ell) + 1) * adv, evaluate=False))

    return [proved(Family(build, t_max=6))]


@check("p32-a1", controls={"−log(1 − ε) ≈ 0": {"first_order": False}})
def kl_bound_of_clip(first_order: bool = True) -> list[Finding]:
    """−log(1 − ε) ≈ ε as ε → 0 (App. C.6): the error is ε²/2 + O(ε³)."""
    eps = var("epsilon", "positive")
    return [expansion(-sp.log(1 - eps), eps if first_order else sp.Integer(0), eps, 2)]


SAMPLE_TOKENS = (("s", "a0", "tau_1", 0), ("s", "a1", "tau_2", 0))  # X̄: one state, two one-token trajectories


@check("p30-C51", controls={"summed over X̄": {"summed_over": "X̄"}, "without the + 1": {"baseline": 0}})
def relaxed_ppo_sum(summed_over: str = "X", baseline: int = 1) -> list[Finding]:
    """C.5.1 step 1 (p. 30): (1/T) Σ_((s,a,τ,t) ∈ X) [clip(r − 1, ±(T_s δ − Σ_other |r − 1|)) + 1] Â with X the set of
    sampled pairs (s, a) (p. 33), against eq 64 with δ^(APC) ↦ δ^(PPO), a sum over the tokens X̄; one state, two
    one-token trajectories, Δ = (1/10, −1/10), Â = (1, 0), δ^(PPO) = 1/5; intended, the same display over X̄."""
    deltas, adv, radius = {"a0": Fraction(1, 10), "a1": Fraction(-1, 10)}, {"a0": 1, "a1": 0}, Fraction(1, 5)
    t_s = sum(1 for token in SAMPLE_TOKENS if token[0] == "s")

    def term(token, plus):
        _, action, _, _ = token
        others = sum(abs(deltas[o[1]]) for o in SAMPLE_TOKENS if o[0] == token[0] and o != token)
        return (frac_clip(deltas[action], t_s * radius - others) + plus) * adv[action]

    def display(index_set):
        quadruples = [entry for entry in index_set if len(entry) == 4]  # the (s, a, τ, t) the sum runs over
        return sum((term(e, baseline) for e in quadruples), Fraction(0)) / len(SAMPLE_TOKENS)

    sets = {"X": sorted({token[:2] for token in SAMPLE_TOKENS}), "X̄": SAMPLE_TOKENS}
    eq64 = sum(term(e, 1) for e in SAMPLE_TOKENS) / len(SAMPLE_TOKENS)
    where = "X̄ = {(s, a0, τ₁, 0), (s, a1, τ₂, 0)}, X = {(s, a0), (s, a1)}, Δ = (1/10, −1/10), Â = (1, 0), δ = 1/5"
    written = agree(f"step 1's sum over {summed_over}", display(sets[summed_over]), "eq 64 at δ^(PPO)", eq64, where)
    if written.outcome.holds:
        return [written]
    return [typo(written, agree("step 1's sum over X̄", display(sets["X̄"]), "eq 64 at δ^(PPO)", eq64, where))]
