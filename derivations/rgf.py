"""The RGF forms of PPO, GRPO and GSPO (App. C.4), the relaxation chains APC-Obj → PPO, GRPO, GSPO (App. C.5) and the
GSPO trajectory-TV bound (Claim 3.5, Remark 3.6, App. C.6)."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from .apc import Z3_ONLY
from .formula import (Family, Part, Statement, clip, clip_ratio, gate_gspo, gate_ppo, index, mean, sequence, var,
                      variables)
from .registry import derivation

TITLE = "RGF forms, relaxation chains and the GSPO TV bound"
eps = var("epsilon", "positive")
PINSKER = sp.Rational(1, 2)  # D_TV² ≤ ½ D_KL (eq 36)


# ---------------------------------------------------------------- RGF-1: the (E, μ, G) forms of App. C.4


def ppo_gate(ratio, adv, signed_gate: bool = True, gate=gate_ppo):
    """G_PPO(r, Â) (App. C.4), or `gate` = gate_gspo with r := s_τ and Â := Σ_t Â_t; signed_gate=False drops the sign
    labels: min(clip(r, 1 ± ε), r) (a negative control)."""
    return gate(ratio, adv, eps) if signed_gate else sp.Min(clip_ratio(ratio, eps), ratio)


def ppo_term(ratio, adv):
    """The standard PPO term min(r Â, clip(r, 1 ± ε) Â)."""
    return sp.Min(ratio * adv, clip_ratio(ratio, eps) * adv)


def rgf_token_lemma(signed_gate: bool = True) -> Statement:
    """The per-token lemma: G_PPO(r) Â = min(r Â, clip(r, 1 ± ε) Â) for every r > 0, Â and ε > 0."""
    ratio, adv = var("r", "positive"), var("A")
    return Statement(sp.Eq(ppo_gate(ratio, adv, signed_gate) * adv, ppo_term(ratio, adv)))


def rgf_trajectory_lemma(signed_gate: bool = True) -> Statement:
    """The per-trajectory lemma: G_GSPO(s) S/T = min(s S/T, clip(s, 1 ± ε) S/T), S = Σ_t Â_t, for every real T ≥ 1."""
    s, total, big_t = var("s", "positive"), var("S"), var("T", "positive")
    return Statement(sp.Eq(ppo_gate(s, total, signed_gate, gate_gspo) * total / big_t, ppo_term(s, total / big_t)),
                     (big_t >= 1,))


def ppo_sums(big_t: int, signed_gate: bool = True) -> Statement:
    """PPO, μ = 1/T per sample: (1/T) Σ_i G_PPO(r_i) Â_i = (1/T) Σ_i min(r_i Â_i, clip(r_i, 1 ± ε) Â_i)."""
    ratios, advs = variables("r", big_t, "positive"), variables("A", big_t)
    return Statement(sp.Eq(sp.Add(*(ppo_gate(r, a, signed_gate) * a for r, a in zip(ratios, advs))) / big_t,
                           sp.Add(*(ppo_term(r, a) for r, a in zip(ratios, advs))) / big_t))


def grpo_sums(big_t: int, signed_gate: bool = True) -> Statement:
    """GRPO, μ = 1/(|Tj| T_τ): one group of two trajectories, of T tokens and of one token, each with its advantage
    Â_τ; both sides with those weights."""
    ratios, advs = variables("r", big_t + 1, "positive"), variables("A", 2)
    spans = ((ratios[:big_t], advs[0]), (ratios[big_t:], advs[1]))
    rgf = sp.Add(*(sp.Add(*(ppo_gate(r, a, signed_gate) * a for r in rs)) / len(rs) for rs, a in spans)) / 2
    standard = sp.Add(*(sp.Add(*(ppo_term(r, a) for r in rs)) / len(rs) for rs, a in spans)) / 2
    return Statement(sp.Eq(rgf, standard))


def gspo_sums(big_t: int, signed_gate: bool = True) -> Statement:
    """GSPO, one trajectory: (1/T) Σ_t G_GSPO(s_τ) Â_t = min(s_τ S/T, clip(s_τ, 1 ± ε) S/T), S = Σ_t Â_t, l_τ = l(S)."""
    s, advs = var("s", "positive"), variables("A", big_t)
    total = sp.Add(*advs)
    return Statement(sp.Eq(sp.Add(*(ppo_gate(s, total, signed_gate, gate_gspo) * a for a in advs)) / big_t,
                           ppo_term(s, total / big_t)))


SAME_WEIGHTS = ("per-token lemma with r, Â free: both sides sum the terms of the tokens with the same weights μ_i, so "
                "the lemma equating one token's terms proves the sums for every T")


@derivation("RGF-1", controls={"gate without the sign labels": {"signed_gate": False}})
def check_rgf1(signed_gate: bool = True) -> list[Part]:
    """RGF-1: PPO's, GRPO's and GSPO's (E, μ, G) forms equal the standard losses (App. C.4)."""
    return [
        Part("RGF-1/ppo", "p. 29, App. C.4 (PPO)",
             Family(lambda t: ppo_sums(t, signed_gate), t_max=2, shown=2, symbolic=rgf_token_lemma(signed_gate),
                    symbolic_domain=SAME_WEIGHTS)),
        Part("RGF-1/grpo", "p. 29, App. C.4 (GRPO)",
             Family(lambda t: grpo_sums(t, signed_gate), t_max=2, shown=2, symbolic=rgf_token_lemma(signed_gate),
                    symbolic_domain=SAME_WEIGHTS + " and every trajectory length T_τ",
                    instances="one group of two trajectories, of T ≤ 2 tokens and of one token")),
        Part("RGF-1/gspo", "p. 29, App. C.4 (GSPO)",
             Family(lambda t: gspo_sums(t, signed_gate), t_max=4, shown=2,
                    symbolic=rgf_trajectory_lemma(signed_gate),
                    symbolic_domain="per-trajectory lemma with S = Σ_t Â_t and T ≥ 1 free: both sides depend on the "
                                    "advantages only through S, so the lemma proves the identity for every T")),
    ]


def decoupling(width) -> Statement:
    """clip(r − 1, ±ε) + 1 = clip(r, 1 ± ε) (App. C.5, PPO/GRPO step 2 and the last GSPO step)."""
    r = var("r", "positive")
    return Statement(sp.Eq(clip(r - 1, eps) + 1, sp.Min(sp.Max(r, 1 - width * eps), 1 + width * eps)),
                     engines=Z3_ONLY)


def activation() -> Statement:
    """x ≠ 0: clip(x, ±(a + |x|)) = x ⇔ a ≥ 0, with a = T_τ(δ − D̂_TV) (GSPO step 3: the clip activates only when
    T_τ D̂_TV ≥ T_τ δ)."""
    x, a = var("x", "nonzero"), var("a")
    same = sp.Eq(clip(x, a + sp.Abs(x)), x)
    return Statement(sp.And(sp.Implies(a >= 0, same), sp.Implies(same, a >= 0)))


def case_two(constant_advantage: bool, extra: int = 0):
    """Case (2), all clips the identity: (1/T)Σ_t (log r_t + 1)Â_t = (log s_τ + 1)Â_τ with log s_τ the mean log-ratio
    and Â_τ the trajectory's (common, or else average) advantage (GSPO step 3, p. 31)."""

    def build(big_t: int) -> Statement:
        ell = variables("ell", big_t)
        adv = [var("A")] * big_t if constant_advantage else variables("A", big_t)
        token_mean = sp.Add(*((x + 1) * a for x, a in zip(ell, adv))) / (big_t + extra)
        return Statement(sp.Eq(token_mean, (mean(ell) + 1) * mean(adv), evaluate=False))

    return build


def case_two_symbolic(constant_advantage: bool, extra: int = 0) -> Statement:
    """The same as sums over a symbolic T: (1/T)Σ_t (ℓ_t + 1)Â_t = ((1/T)Σ_t ℓ_t + 1)·(1/T)Σ_t Â_t."""
    big_t, t, ell = var("T", "positive integer"), index("t"), sequence("ell")
    adv = (lambda _: var("A")) if constant_advantage else sequence("A").__getitem__
    return Statement(sp.Eq(sp.Sum((ell[t] + 1) * adv(t), (t, 1, big_t)) / (big_t + extra),
                           (sp.Sum(ell[t], (t, 1, big_t)) / big_t + 1) * sp.Sum(adv(t), (t, 1, big_t)) / big_t),
                     engines=("sympy",))


def log_approximation() -> Statement:
    """log s ≈ s − 1: (s − 1 − log s)/(s − 1)² → ½ as s → 1 (GSPO steps 3 and 4), an O((s − 1)²) error."""
    s = var("s", "positive")
    return Statement(sp.Eq(sp.Limit((s - 1 - sp.log(s)) / (s - 1) ** 2, s, 1), sp.Rational(1, 2)),
                     error="(s − 1)²/2 + O((s − 1)³)")


def pinsker_as_written(tv_scale, constant) -> Statement:
    """GSPO step 4 with the paper's D̂_TV = (1/T)Σ|r − 1| (p. 31, eq 48): ½D̂_KL ≥ D̂_TV², at two tokens sampled at
    π_old = (½, ½) with π = (¾, ¼), i.e. r = (3/2, 1/2) (exact frequencies, so each estimator is its expectation)."""
    ratios, freq = (sp.Rational(3, 2), sp.Rational(1, 2)), sp.Rational(1, 2)
    kl_hat = -sum(freq * sp.log(r) for r in ratios)
    tv_hat = tv_scale * sum(freq * sp.Abs(r - 1) for r in ratios)
    return Statement(sp.GreaterThan(constant * kl_hat, tv_hat**2, evaluate=False))


def pinsker_curvature(constant) -> Statement:
    """The two-action Pinsker inequality D_TV² ≤ c·KL (D_TV = |p − q|, eq 34) reduced to its curvature condition:
    t ∈ (0, 1) ⇒ 1/(t(1 − t)) ≥ 2/c, which with the derivative identity below makes KL − (p − q)²/c decrease in q
    up to q = p (value 0) and increase after (eq 36)."""
    t = var("t", "positive")
    return Statement(1 / (t * (1 - t)) >= 2 / constant, [t < 1])


def pinsker_derivative(constant) -> Statement:
    """∂_q [KL(p‖q) − (p − q)²/c] = (q − p)(1/(q(1 − q)) − 2/c) for two actions (p, 1 − p), (q, 1 − q)."""
    p, q = var("p", "positive"), var("q", "positive")
    kl = p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q))
    return Statement(sp.Eq(sp.diff(kl - (p - q) ** 2 / constant, q), (q - p) * (1 / (q * (1 - q)) - 2 / constant)),
                     [p < 1, q < 1])


@derivation("RGF-2", controls={"decoupling to 1 ± 2ε": {"width": 2},
                               "Pinsker constant ¼": {"constant": sp.Rational(1, 4)},
                               "remark read with a common advantage": {"varying_advantage": False},
                               "token mean over T + 1": {"extra": 1}})
def check_rgf2(width=1, tv_scale=sp.Integer(1), constant=PINSKER, varying_advantage: bool = True,
               extra: int = 0) -> list[Part]:
    """RGF-2: the relaxation chains of App. C.5, step by step; tv_scale = 1 is the paper's D̂_TV (eq 48, no ½)."""
    intended = pinsker_curvature(constant)
    return [
        Part("RGF-2/decoupling", "p. 30–32, App. C.5 (PPO and GRPO step 2; GSPO final step)", decoupling(width)),
        Part("RGF-2/gspo-activation", "p. 31, GSPO step 3", activation()),
        Part("RGF-2/gspo-case2", "p. 31, GSPO step 3, case (2) (Â common to the trajectory)",
             Family(case_two(True, extra), t_max=4, shown=3, symbolic=case_two_symbolic(True, extra),
                    symbolic_domain="SymPy on sums over a symbolic number T of tokens (Sum with an indexed ℓ)")),
        Part("RGF-2/gspo-case2-average", "p. 31, GSPO step 2 (Â_τ the average when Â varies)",
             Family(case_two(not varying_advantage), t_max=8, shown=2), role="remark"),
        Part("RGF-2/gspo-pinsker", "p. 32, GSPO step 4 (Pinsker applied to D̂_TV of p. 31 / eq 48)",
             pinsker_as_written(tv_scale, constant), intended=intended, support=[pinsker_derivative(constant)],
             conflict="step 4 applies Pinsker, which bounds the ½-normalised D_TV of eq 34, to D̂_TV of eq 48, which "
                      "has no ½ (the estimator of 2·D_TV): with the ½ the step holds (checked beside)"),
        Part("RGF-2/log-approximation", "p. 31–32, GSPO steps 3 and 4 (log r ≈ r − 1)", log_approximation(),
             role="remark"),
    ]


def kl_clip_bound() -> Statement:
    """−log(1 − ε) ≈ ε: −log(1 − ε)/ε → 1 as ε → 0⁺ (App. C.6), an error ε²/2 + O(ε³)."""
    return Statement(sp.Eq(sp.Limit(-sp.log(1 - eps) / eps, eps, 0, "+"), 1), error="ε²/2 + O(ε³)")


def jensen(k: int, scale=1) -> Statement:
    """E[X]² ≤ E[X²] for a law on k points (App. C.6, (D̄_TV)² ≤ E[D_TV(s)²])."""
    w, x = variables("w", k, "nonnegative"), variables("x", k)
    return Statement(sp.Le(sum(wi * xi for wi, xi in zip(w, x)) ** 2, scale * sum(wi * xi**2 for wi, xi in zip(w, x)),
                           evaluate=False),
                     [sp.Eq(sum(w), 1)])


def jensen_induction(scale=1) -> tuple:
    """Induction on the number of points, with W = Σw, M₁ = Σwx, M₂ = Σwx² of the first points: base M₁² ≤ M₂W for
    one point; step: M₁² ≤ M₂W ⇒ (M₁ + wx)² ≤ (M₂ + wx²)(W + w); at W = 1 this is E[X]² ≤ E[X²]."""
    w, x, big_w, m1, m2 = (var("w", "nonnegative"), var("x"), var("W", "nonnegative"), var("M_1"),
                           var("M_2", "nonnegative"))
    return (Statement(sp.Le((w * x) ** 2, (w * x**2) * w, evaluate=False), engines=("z3",)),
            Statement((m1 + w * x) ** 2 <= (m2 + w * x**2) * (big_w + w), (m1**2 <= m2 * big_w,), engines=("z3",)),
            Statement(m1**2 <= scale * m2, (m1**2 <= m2 * big_w, sp.Eq(big_w, 1)), engines=("z3",)))


def remark_value(epsilon: Fraction, claimed: Fraction) -> Statement:
    """δ = √(ε/2) at ε = 4·10⁻⁴ rounds to the claimed 0.014 (Remark 3.6): (claimed ∓ 5·10⁻⁴)² bracket ε/2, squared
    so that the comparison is exact in rationals."""
    half_unit, value, target = sp.Rational(5, 10000), sp.Rational(claimed), sp.Rational(epsilon) / 2
    return Statement(sp.And(sp.Le((value - half_unit) ** 2, target, evaluate=False),
                            sp.Lt(target, (value + half_unit) ** 2, evaluate=False)))


@derivation("RGF-3", controls={"δ claimed 0.14": {"delta_claimed": Fraction(14, 100)},
                               "Pinsker constant ¼": {"constant": sp.Rational(1, 4)},
                               "Jensen with E[X²]/2": {"jensen_scale": sp.Rational(1, 2)}})
def check_rgf3(epsilon=Fraction(4, 10000), delta_claimed=Fraction(14, 1000), constant=PINSKER,
               jensen_scale=1) -> list[Part]:
    """RGF-3 (symbolic part): D̄_TV ≤ √(D̄_KL/2) ≲ √(ε/2); ε = 4·10⁻⁴ gives δ ≈ 0.014 (Claim 3.5, Remark 3.6)."""
    return [
        Part("RGF-3/kl-bound", "p. 32, App. C.6 (D̂_KL ≤ −log(1 − ε) ≈ ε)", kl_clip_bound()),
        Part("RGF-3/jensen", "p. 32, App. C.6 (E_p[X²] ≥ E_p[X]²)", Family(lambda k: jensen(k, jensen_scale), t_max=3, shown=2, index="k",
                                                                     symbolic=jensen_induction(jensen_scale),
                                                                     symbolic_domain="induction on k: base case, "
                                                                     "step and conclusion, each a z3 lemma")),
        Part("RGF-3/pinsker", "p. 22, eq 36; p. 32, App. C.6 (two actions)", pinsker_curvature(constant),
             support=[pinsker_derivative(constant)]),
        Part("RGF-3/remark-3.6", "p. 5, Remark 3.6", remark_value(epsilon, delta_claimed)),
    ]
