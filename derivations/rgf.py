"""RGF relaxation chains APC-Obj → PPO, GRPO, GSPO (App. C.5) and the GSPO trajectory-TV bound (Claim 3.5, C.6)."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ._core import Derivation, Step, fmt, identity_step, is_zero

TITLE = "RGF relaxation chains and the GSPO TV bound"
x, e, eps = sp.symbols("x e epsilon", positive=True)


def _clip(value, lo, hi):
    """clip(value, lo, hi) as a SymPy Min/Max expression."""
    return sp.Min(sp.Max(value, lo), hi)


def shifted_clip_steps(d: Derivation, name: str) -> None:
    """clip(r − 1, ±ε) + 1 = clip(r, 1 ± ε) in every region of r (decoupling step of App. C.5)."""
    regions = {"r ≥ 1 + ε": 1 + eps + x, "1 ≤ r < 1 + ε": 1 + eps / (1 + x), "1 − ε < r < 1": 1 - eps / (1 + x),
               "r ≤ 1 − ε": 1 - eps - x}
    ok = all(sp.simplify(_clip(r - 1, -eps, eps) + 1 - _clip(r, 1 - eps, 1 + eps)) == 0 for r in regions.values())
    d.add(Step(f"{name}: clip(r − 1, ±ε) + 1 = clip(r, 1 ± ε) (four regions of r)", ok,
               latex=r"\mathrm{clip}(r-1,\pm\epsilon)+1 = \mathrm{clip}(r,1\pm\epsilon)"))


def pinsker_pair(tv_scale: Fraction, x_: Fraction) -> tuple[sp.Expr, sp.Expr]:
    """(½ D̂_KL, D̂_TV²) for two actions at frequencies (½, ½), ratios (1 + x, 1 − x); D̂_TV = tv_scale·mean|r − 1|."""
    kl = -sp.Rational(1, 2) * (sp.log(1 + sp.Rational(x_)) + sp.log(1 - sp.Rational(x_)))
    return kl / 2, (sp.Rational(tv_scale) * sp.Rational(x_)) ** 2


def check_rgf2(tv_scale: Fraction = Fraction(1)) -> Derivation:
    """RGF-2: the step-by-step chains of App. C.5; tv_scale = 1 is the paper's D̂_TV (eq 48, no ½)."""
    d = Derivation("RGF-2", "PPO, GRPO and GSPO (without the min) follow from APC-Obj by δ-relaxation, decoupling, "
                   "sequence weighting (GRPO) and, for GSPO, trajectory coupling, log-ratio and Pinsker clip-bound "
                   "approximations.", "App. C.5")
    n = sp.symbols("n", positive=True, integer=True)
    big_t = sp.symbols("T", positive=True)
    d.add(identity_step("PPO weights: n_{s,a} entries of weight 1/T in X̄ sum to μ_{s,a} = n_{s,a}/T",
                        sp.summation(1 / big_t, (sp.Symbol("k"), 1, n)), n / big_t))
    shifted_clip_steps(d, "PPO/GRPO step 2")
    shifted_clip_steps(d, "GSPO final step")
    ell = sp.symbols("l1:4", real=True)
    tau_d = sp.symbols("delta_seq", positive=True)
    t_len = 3
    r_pt = sp.Integer(2)
    d.add(Step("GSPO step 3 writes the bound with D̂_TV (mean |r − 1|) where the exact rewrite after r − 1 → log r "
               "needs mean |log r|", is_zero(sp.Abs(r_pt - 1) - sp.Abs(sp.log(r_pt))), on_failure="approximate",
               latex=r"T_\tau\delta - \sum_{t'\ne t}|\log r_{t'}| = T_\tau\delta - \sum_{t'}|\log r_{t'}| + |\log r_t|",
               evidence="|r − 1| ≠ |log r| (r = 2: 1 vs log 2); equal only to first order in r − 1"))
    d.add(identity_step("GSPO step 3 bound: Σ_{t'≠t}|log r_t'| = T·mean|log r| − |log r_t|",
                        sum(sp.Abs(v) for v in ell[1:]), sum(sp.Abs(v) for v in ell) - sp.Abs(ell[0]), role="support"))
    a_bound = sp.symbols("a", positive=True)
    d.add(Step("the clip activates only when D̂ > δ: clip(x, ±(a + |x|)) = x for a ≥ 0, and ≠ x for a < 0, x ≠ 0",
               sp.simplify(_clip(x, -(a_bound + x), a_bound + x) - x) == 0
               and sp.simplify(_clip(x, -(x - a_bound / (1 + a_bound) * x), x - a_bound / (1 + a_bound) * x) - x) != 0))
    adv = (Fraction(1), Fraction(-1))
    logs = (Fraction(1, 2), Fraction(-1, 2))
    lhs = sum(l_ * a_ for l_, a_ in zip(logs, adv)) / 2
    rhs = sum(logs) / 2 * sum(adv) / 2
    d.add(Step("case (2): (1/T)Σ_t (log r_t + 1)Â_t = (log s_τ + 1)Â_τ with Â_τ the token average",
               lhs == rhs, on_failure="holds-with-conditions",
               evidence=f"token-varying Â = {fmt(adv)}, log r = {fmt(logs)}: left {lhs}, right {rhs}; "
                        "exact only for a trajectory-constant advantage (GSPO's case)"))
    failures = []
    for x_ in (Fraction(1, 10), Fraction(1, 2), Fraction(9, 10)):
        half_kl, tv_sq = pinsker_pair(tv_scale, x_)
        if sp.N(half_kl - tv_sq, 30) < 0:
            failures.append(f"x = {x_}: ½D̂_KL = {sp.N(half_kl, 6)} < D̂_TV² = {tv_sq}")
    d.add(Step("GSPO step 4: ½ D̂_KL ≳ D̂_TV² (Pinsker) with the paper's D̂_TV = mean|r − 1|", not failures,
               method="exhaustive", evidence="; ".join(failures) if failures else "holds at x ∈ {1/10, 1/2, 9/10}",
               latex=r"\tfrac12\hat D_{KL} \ge \hat D_{TV}^2"))
    log_s, small = sp.Integer(1), {tau_d: sp.Rational(1, 10)}
    one_sided, two_sided = (-log_s <= 2 * tau_d**2).subs(small), (sp.Abs(log_s) <= 2 * tau_d**2).subs(small)
    d.add(Step("step 4 combines both cases into clip(log s_τ, ±2δ²): the derived condition −log s_τ ≤ 2δ² is the "
               "symmetric one", one_sided == two_sided, on_failure="approximate",
               evidence=f"δ = 1/10, log s_τ = 1: −log s ≤ 2δ² is {one_sided}, |log s| ≤ 2δ² is {two_sided}; "
                        "the upper side of the clip is an added choice"))
    d.summary = ("PPO/GRPO chains hold exactly; GSPO's Pinsker step holds only for D_TV = ½ mean|r−1| (eq 37), "
                 "not for the D̂_TV it uses (eq 48): then ε_GSPO = δ²/2, not 2δ².")
    return d


def check_rgf3(epsilon: Fraction = Fraction(4, 10000), delta_claimed: Fraction = Fraction(14, 1000)) -> Derivation:
    """RGF-3 (symbolic part): D̄_TV ≤ √(D̄_KL/2) ≲ √(ε/2); ε = 4e-4 gives δ ≈ 0.014 (Claim 3.5, Remark 3.6, C.6)."""
    d = Derivation("RGF-3", "GSPO's clip keeps D̄^(tj)_KL ≲ −log(1−ε) ≈ ε, hence D̄^(tj)_TV ≲ √(ε/2); ε = 4·10⁻⁴ gives "
                   "δ ≈ 0.014.", "Claim 3.5, Remark 3.6, App. C.6")
    series = sp.series(-sp.log(1 - eps), eps, 0, 3).removeO()
    d.add(identity_step("−log(1 − ε) = ε + ε²/2 + O(ε³) ≈ ε", series, eps + eps**2 / 2, method="approximate"))
    p, q = sp.symbols("p q", positive=True)
    kl = p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q))
    gap = kl - 2 * (p - q) ** 2  # ½KL − TV², TV = |p − q| for two actions
    d.add(identity_step("Pinsker (two actions): ∂_q(KL − 2(p−q)²) = (q − p)(1/(q(1−q)) − 4)", sp.diff(gap, q),
                        (q - p) * (1 / (q * (1 - q)) - 4), role="support"))
    d.add(identity_step("1/(q(1−q)) − 4 = (1 − 2q)²/(q(1−q)) ≥ 0, so KL − 2(p−q)² is minimal (= 0) at q = p",
                        1 / (q * (1 - q)) - 4, (1 - 2 * q) ** 2 / (q * (1 - q))))
    w = sp.symbols("w1:4", positive=True)
    xs = sp.symbols("x1:4", real=True)
    wn = {w[2]: 1 - w[0] - w[1]}
    mean = sum(wi * xi for wi, xi in zip(w, xs))
    d.add(identity_step("Jensen: E[X²] − E[X]² = E[(X − E X)²] ≥ 0 (three-point law)",
                        (sum(wi * xi**2 for wi, xi in zip(w, xs)) - mean**2).subs(wn),
                        sum(wi * (xi - mean) ** 2 for wi, xi in zip(w, xs)).subs(wn)))
    value = sp.sqrt(sp.Rational(epsilon) / 2)
    d.add(Step(f"δ = √(ε/2) at ε = {epsilon}: {sp.N(value, 6)} ≈ {delta_claimed}",
               abs(sp.N(value - sp.Rational(delta_claimed), 30)) < sp.Rational(5, 10000), method="approximate"))
    p0, q0 = (Fraction(1, 2), Fraction(1, 2)), (Fraction(3, 4), Fraction(1, 4))
    l1 = sum(abs(b - a) for a, b in zip(p0, q0))
    estimator_per_tv = l1 / (Fraction(1, 2) * l1)  # E[D̂_TV] (eq 39) over D_TV (eq 34)
    in_estimator_units = estimator_per_tv * value
    d.add(Step("the same δ bounds the budgets of APC-Obj/FiberPO, which are measured with D̂_TV = mean|r − 1| "
               "(eqs 39, 48, no ½)", is_zero(in_estimator_units - value), on_failure="holds-with-conditions",
               evidence=f"E[D̂_TV] = {estimator_per_tv}·D_TV (TRPO-4), so in D̂_TV units the chain gives "
                        f"√(2ε) = {sp.N(in_estimator_units, 6)}"))
    d.summary = (f"the chain is sound in D_TV = ½E|r−1| units (δ = {sp.N(value, 4)}); "
                 "it relies on ≈ (clip ⇒ KL bound, D̄ ≈ D̂).")
    return d


CHECKS = (check_rgf2, check_rgf3)
