"""The gates in exact rationals (Fractions), for exhaustive checks and for tying the derivations and the checks to
the torch engine."""

from __future__ import annotations

from fractions import Fraction


def frac_clip(x: Fraction, bound: Fraction) -> Fraction:
    """clip(x, ±B⁺) with B⁺ = max(B, 0) (Def C.1)."""
    b = max(bound, Fraction(0))
    return min(max(x, -b), b)


def frac_g_agg(x: Fraction, c: Fraction, k, zeroing: bool = True) -> Fraction:
    """g_agg(x, C, k) (eq 10); zeroing=False keeps the rollback line forever (a negative control's mutant)."""
    if abs(x) <= c:
        return x
    if abs(x) < (1 + Fraction(1) / k) * c or not zeroing:
        return (1 if x > 0 else -1) * (k + 1) * c - k * x
    return Fraction(0)


def frac_channel_means(ell: tuple) -> tuple[Fraction, Fraction]:
    """log s⁺ and log s⁻: means of max(ℓ, 0) and max(−ℓ, 0) over a trajectory (eq 9)."""
    big_t = len(ell)
    return Fraction(sum(max(v, 0) for v in ell)) / big_t, Fraction(sum(max(-v, 0) for v in ell)) / big_t


def fiber_log_gate(ell: tuple, c_pos: Fraction, c_neg: Fraction, eps: Fraction) -> list[Fraction]:
    """log G_i = g_agg(log s⁺) − g_agg(log s⁻) + clip(l u) − clip(l v), sign(0) := +1 (eqs 8, 16)."""
    big_t = len(ell)
    pos, neg = frac_channel_means(ell)
    base = frac_g_agg(pos, c_pos, big_t) - frac_g_agg(neg, c_neg, big_t)
    out = []
    for v in ell:
        same, opposite = (v - pos, -neg) if v >= 0 else (v + neg, pos)  # l u and l v (eqs 14, 15)
        out.append(base + frac_clip(same, eps) - frac_clip(opposite, eps))
    return out
