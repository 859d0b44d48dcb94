"""Exact checks of the base-weight regimes (§5.1, Fig 2b) and of the clip counts under drift (§5.2): z3 and fractions.

g_agg (eq 10) is piecewise linear, so for a fixed slope k every statement here is linear real arithmetic: z3 decides
it for all budgets C± > 0 and all aggregates, and a counterexample it returns is re-evaluated in exact rationals by
`frac_g_agg`, written independently of the z3 encoding. Ray profiles of |log w| are computed exactly in fractions.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import z3

from fiberpo_check.engine.exact_gates import frac_channel_means, frac_g_agg

K_MAX = 16  # z3 proves the regime identities for every integer slope k = T_τ ≤ K_MAX
FIG2B = {"c_pos": Fraction(1, 5), "c_neg": Fraction(1, 10), "k": 2}
REGIMES = ("G-I", "G-II,r", "G-II", "G-III,r", "G-III")


def channel_regime(x: Fraction, c: Fraction, k: int) -> int:
    """0 pass-through, 1 rollback, 2 zeroed (eq 10)."""
    return 0 if abs(x) <= c else (1 if abs(x) < (1 + Fraction(1, k)) * c else 2)


def global_regime(pos: int, neg: int) -> str:
    """The global regime of §5.1 from the two channel regimes."""
    past = (pos > 0) + (neg > 0)
    if past == 0:
        return "G-I"
    if past == 1:
        return "G-II" if max(pos, neg) == 2 else "G-II,r"
    return "G-III" if pos == neg == 2 else "G-III,r"


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


def frac_log_w(x: Fraction, y: Fraction, c_pos: Fraction, c_neg: Fraction, k: int, zeroing: bool = True) -> Fraction:
    """log w = g_agg(log s⁺, C⁺, k) − g_agg(log s⁻, C⁻, k) (eq 8), exactly."""
    return frac_g_agg(x, c_pos, k, zeroing) - frac_g_agg(y, c_neg, k, zeroing)


def regime_witnesses(c_pos: Fraction, c_neg: Fraction, k: int) -> dict[str, tuple[Fraction, Fraction]]:
    """One exact point (log s⁺, log s⁻) per global regime found on the grid of multiples of min(C±)/(4k)."""
    step = min(c_pos, c_neg) / (4 * k)
    reach = int(2 * max(c_pos, c_neg) / step) + 1
    found: dict[str, tuple[Fraction, Fraction]] = {}
    for i, j in product(range(reach), repeat=2):
        x, y = i * step, j * step
        found.setdefault(global_regime(channel_regime(x, c_pos, k), channel_regime(y, c_neg, k)), (x, y))
    return {name: found[name] for name in REGIMES if name in found}


def ray_profile(direction: tuple[int, int], c_pos: Fraction, c_neg: Fraction, k: int,
                zeroing: bool = True) -> list[tuple[Fraction, str, Fraction]]:
    """(ρ, regime, |log w|) at every breakpoint of the ray (ρp, ρq), at the midpoints between them, and beyond the
    last: exact, and enough to read every monotone piece of the piecewise-linear |log w|."""
    p, q = (Fraction(d) for d in direction)
    starts = {Fraction(0)}
    for scale, c in ((p, c_pos), (q, c_neg)):
        if scale:
            starts |= {c / scale, (1 + Fraction(1, k)) * c / scale}
    edges = sorted(starts)
    for a, b in zip(edges, edges[1:]):  # zero crossings of log w inside a linear piece
        wa, wb = (frac_log_w(r * p, r * q, c_pos, c_neg, k, zeroing) for r in (a, b))
        if wa * wb < 0:
            starts.add(a + (b - a) * wa / (wa - wb))
    edges = sorted(starts)
    points = edges + [(a + b) / 2 for a, b in zip(edges, edges[1:])] + [edges[-1] * 2 + 1]
    return [(r, global_regime(channel_regime(r * p, c_pos, k), channel_regime(r * q, c_neg, k)),
             abs(frac_log_w(r * p, r * q, c_pos, c_neg, k, zeroing))) for r in sorted(points)]


def pattern_violation(profile) -> str:
    """'' if |log w| rises through G-II,r, peaks in G-II, declines through G-III,r and is 0 in G-III; else why not."""
    peak = max(value for _, _, value in profile)
    for (r0, g0, v0), (r1, g1, v1) in zip(profile, profile[1:]):
        regime = g1 if g0 == g1 else None
        if regime == "G-II,r" and v1 < v0:
            return f"|log w| falls in G-II,r: {v0} at ρ = {r0} → {v1} at ρ = {r1}"
        if regime == "G-III,r" and v1 > v0:
            return f"|log w| rises in G-III,r: {v0} at ρ = {r0} → {v1} at ρ = {r1}"
    if not any(g == "G-II" and v == peak for _, g, v in profile):
        where = next(g for _, g, v in profile if v == peak)
        return f"the peak {peak} of |log w| lies in {where}, not in G-II"
    zero = [v for _, g, v in profile if g == "G-III" and v != 0]
    return f"|log w| = {zero[0]} ≠ 0 in G-III" if zero else ""


def smaller_channel_gated_first(direction: tuple[int, int], c_pos: Fraction, c_neg: Fraction, k: int) -> bool:
    """On the ray (ρp, ρq), the channel with the smaller aggregate is zeroed (past (1 + 1/k)C) no later than the
    other reaches its budget C: the order of Fig 2b's diagonal, G-I → G-II,r → G-II → G-III,r → G-III."""
    p, q = direction
    if p == q or not p or not q:
        return p == q
    (small, c_small), (large, c_large) = sorted(((p, c_pos), (q, c_neg)))
    return (1 + Fraction(1, k)) * c_small / small <= c_large / large


def ray_family(n: int = 12) -> list[tuple[int, int]]:
    """Rational directions (n, m) and (m, n), m = 0..n: the quadrant of (log s⁺, log s⁻) ≥ 0, both axes included."""
    return sorted({(n, m) for m in range(n + 1)} | {(m, n) for m in range(n + 1)})


def z3_majority_counterexample(eps: Fraction, t_max: int, share: Fraction = Fraction(1, 2)):
    """Smallest T ≤ t_max and a z3 model ℓ with log s± > ε but at most `share` of the tokens at |ℓ_i| > ε, or None
    (share 1/2 is the paper's "more than half")."""
    for length in range(1, t_max + 1):
        ell = z3.Reals(" ".join(f"l_{i}" for i in range(length)))
        e = z3.RealVal(str(eps))
        s_pos = sum(z3.If(x > 0, x, 0) for x in ell) / length
        s_neg = sum(z3.If(x < 0, -x, 0) for x in ell) / length
        clipped = sum(z3.If(z3.Or(x > e, x < -e), 1, 0) for x in ell)
        solver = z3.Solver()
        solver.add(s_pos > e, s_neg > e, clipped <= z3.RealVal(str(share * length)))
        if solver.check() == z3.sat:
            model = solver.model()
            return [Fraction(str(model.eval(x, model_completion=True).as_fraction())) for x in ell]
    return None


def frac_majority(ell: list[Fraction], eps: Fraction) -> dict:
    """log s±, and the count of tokens past ±ε, recomputed in exact rationals (eq 9)."""
    log_s_pos, log_s_neg = frac_channel_means(tuple(ell))
    return {"log_s_pos": log_s_pos, "log_s_neg": log_s_neg, "clipped": sum(abs(x) > eps for x in ell),
            "tokens": len(ell)}


def simplest_majority_counterexample(eps: Fraction, length: int, share: Fraction) -> list[Fraction] | None:
    """A counterexample of the same T with the smallest denominators among (a,…, a, −a,…, −a, 0,…, 0), a = n/d,
    d ≤ 12 (what a reader checks by hand); None if that family has none (the z3 model is reported then)."""
    candidates = sorted({Fraction(n, d) for d in range(1, 13) for n in range(1, 2 * d + 1)},
                        key=lambda f: (f.denominator, f.numerator))
    for a in candidates:
        for j in range(1, length // 2 + 1):
            ell = [a] * j + [-a] * j + [Fraction(0)] * (length - 2 * j)
            found = frac_majority(ell, eps)
            if found["log_s_pos"] > eps and found["log_s_neg"] > eps and found["clipped"] <= share * length:
                return ell
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
