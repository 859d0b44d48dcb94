"""Exact (rational) base-weight regimes of §5.1 and Fig 2b: the channel and global regimes of eq 10 and eq 8, and
|log w| along rays of the (log s⁺, log s⁻) plane, evaluated in fractions (shared by the derivations' audit and the
numeric checks)."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import product

from fiberpo_check.engine.exact_gates import frac_g_agg

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


def reduced(direction: tuple[int, int]) -> tuple[int, int]:
    """A ray direction in lowest terms."""
    divisor = math.gcd(*direction) or 1
    return direction[0] // divisor, direction[1] // divisor


def ray_family(n: int = 12) -> list[tuple[int, int]]:
    """Rational directions (n, m) and (m, n), m = 0..n: the quadrant of (log s⁺, log s⁻) ≥ 0, both axes included."""
    return sorted({(n, m) for m in range(n + 1)} | {(m, n) for m in range(n + 1)})
