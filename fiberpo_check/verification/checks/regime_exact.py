"""Exact checks of the base-weight regimes (§5.1, Fig 2b) and of the clip counts under drift (§5.2): z3 and fractions.

g_agg (eq 10) is piecewise linear, so for a fixed slope k every statement here is linear real arithmetic: z3 decides
it for all budgets C± > 0 and all aggregates, and a counterexample it returns is re-evaluated in exact rationals by
`frac_g_agg`, written independently of the z3 encoding. Ray profiles of |log w| are computed exactly in fractions.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations_with_replacement

import z3

from fiberpo_check.engine.exact_gates import frac_channel_means

K_MAX = 16  # z3 proves the regime identities for every integer slope k = T_τ ≤ K_MAX


def z3_g_agg(x, c, k: int, zeroing: bool = True):
    """g_agg(x, C, k) as a z3 term for a fixed integer k (linear in x and C)."""
    rollback = z3.If(x > 0, (k + 1) * c - k * x, -(k + 1) * c - k * x)
    zeroed_at = (1 + 1 / z3.RealVal(k)) * c
    outer = z3.If(z3.And(x < zeroed_at, x > -zeroed_at), rollback, 0) if zeroing else rollback
    return z3.If(z3.And(x <= c, x >= -c), x, outer)


def z3_regime_identity(regime: str, zeroing: bool = True) -> dict:
    """z3, for every k ≤ K_MAX and all C± > 0: G-I ⇒ log w = log s⁺ − log s⁻; G-III ⇒ log w = 0.

    Returns {"proved": bool, "k": first failing k, "point": (x, y, C⁺, C⁻) as fractions} (re-evaluated exactly)."""
    for k in range(1, K_MAX + 1):
        x, y, cp, cn = z3.Reals("x y c_pos c_neg")
        log_w = z3_g_agg(x, cp, k, zeroing) - z3_g_agg(y, cn, k, zeroing)
        if regime == "G-I":
            region, claim = [x >= 0, y >= 0, x <= cp, y <= cn], log_w == x - y
        else:
            region, claim = [x >= (1 + 1 / z3.RealVal(k)) * cp, y >= (1 + 1 / z3.RealVal(k)) * cn], log_w == 0
        solver = z3.Solver()
        solver.add(cp > 0, cn > 0, *region, z3.Not(claim))
        if solver.check() == z3.sat:
            model = solver.model()
            point = tuple(Fraction(str(model.eval(v, model_completion=True).as_fraction())) for v in (x, y, cp, cn))
            return {"proved": False, "k": k, "point": point}
    return {"proved": True, "k": None, "point": None}


MAJORITY = Fraction(1, 2)  # p. 13: "more than half tokens exceed the clip bound"


def z3_tracking_majority_counterexample(eps: Fraction, t_max: int, margin: Fraction = Fraction(1)):
    """Smallest T ≤ t_max and a z3 model ℓ of p. 13's case — every token moves with its same-sign trajectory mean
    (|u_i| ≤ ε, so FiberPO passes it unattenuated) and its channel's drift is large (log s^(l_i) > margin·ε) — in
    which at most half the tokens have |ℓ_i| > ε (the PPO/GRPO clip of log r_i), or None. sign(0) := +1."""
    e = z3.RealVal(str(eps))
    for length in range(1, t_max + 1):
        ell = z3.Reals(" ".join(f"l_{i}" for i in range(length)))
        s_pos = sum(z3.If(x >= 0, x, 0) for x in ell) / length
        s_neg = sum(z3.If(x < 0, -x, 0) for x in ell) / length
        clipped = sum(z3.If(z3.Or(x > e, x < -e), 1, 0) for x in ell)
        solver = z3.Solver()
        solver.add(clipped <= z3.RealVal(str(MAJORITY * length)))
        for x in ell:
            same = z3.If(x >= 0, s_pos, s_neg)
            u = z3.If(x >= 0, x, -x) - same  # u_i = l_i ℓ_i − log s^(l_i) (eq 14)
            solver.add(u <= e, u >= -e, same > z3.RealVal(str(margin)) * e)
        if solver.check() == z3.sat:
            model = solver.model()
            return [Fraction(str(model.eval(x, model_completion=True).as_fraction())) for x in ell]
    return None


def frac_tracking_case(ell: list[Fraction], eps: Fraction) -> dict:
    """log s±, the fiber residuals u_i, each token's same-sign drift log s^(l_i) and the count of tokens past ±ε,
    recomputed in exact rationals (eqs 9, 13, 14; sign(0) := +1)."""
    log_s_pos, log_s_neg = frac_channel_means(tuple(ell))
    same = [log_s_pos if x >= 0 else log_s_neg for x in ell]
    return {"log_s_pos": log_s_pos, "log_s_neg": log_s_neg, "u": [abs(x) - d for x, d in zip(ell, same)],
            "drift": same, "clipped": sum(abs(x) > eps for x in ell), "tokens": len(ell)}


def in_tracking_case(found: dict, eps: Fraction, margin: Fraction, strict: bool = False) -> bool:
    """Every |u_i| ≤ ε and every log s^(l_i) > margin·ε, and at most half the tokens past ±ε (a counterexample;
    `strict`: fewer than half)."""
    clipped, half = found["clipped"], MAJORITY * found["tokens"]
    return (all(abs(u) <= eps for u in found["u"]) and all(d > margin * eps for d in found["drift"])
            and (clipped < half if strict else clipped <= half))


def simplest_tracking_counterexample(eps: Fraction, length: int, margin: Fraction,
                                     strict: bool = False) -> list[Fraction] | None:
    """A counterexample of T = length among nondecreasing positive ℓ ∈ {kε/5 : 1 ≤ k ≤ 15}^T, smallest first (what a
    reader checks by hand); None if that family has none (the z3 model is reported then)."""
    values = [eps * Fraction(k, 5) for k in range(1, 16)]
    for ell in combinations_with_replacement(values, length):
        if in_tracking_case(frac_tracking_case(list(ell), eps), eps, margin, strict):
            return list(ell)
    return None


def z3_fiber_pass(t_max: int, mutant_clip: bool = False) -> list[Fraction] | None:
    """z3, every T ≤ t_max, every ℓ and ε > 0: |u_i| ≤ ε ⇒ clip(l_i u_i, ±ε) = l_i u_i for every token (eqs 14, 16),
    whatever log s± (the same-sign fiber clip of a token within ε of its same-sign mean never binds). sign(0) := +1.
    None when proved for every T ≤ t_max; else the first counterexample (ℓ_1, …, ℓ_T, ε)."""
    for length in range(1, t_max + 1):
        ell = z3.Reals(" ".join(f"l_{i}" for i in range(length)))
        eps = z3.Real("epsilon")
        s_pos = sum(z3.If(x >= 0, x, 0) for x in ell) / length
        s_neg = sum(z3.If(x < 0, -x, 0) for x in ell) / length
        solver = z3.Solver()
        claims = []
        for x in ell:
            label = z3.If(x >= 0, 1, -1)
            u = label * x - z3.If(x >= 0, s_pos, s_neg)
            lu = label * u
            bound = eps / 2 if mutant_clip else eps  # the mutant clips at ±ε/2 (a negative control)
            clipped = z3.If(lu > bound, bound, z3.If(lu < -bound, -bound, lu))
            claims.append(z3.Implies(z3.And(u <= eps, u >= -eps), clipped == lu))
        solver.add(eps > 0, z3.Not(z3.And(*claims)))
        if solver.check() == z3.sat:
            model = solver.model()
            return [Fraction(str(model.eval(v, model_completion=True).as_fraction())) for v in (*ell, eps)]
    return None
