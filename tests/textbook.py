"""Direct, loop-based readings of the paper's formulas, independent of the vectorised engine."""

from __future__ import annotations

import math


def g_agg_scalar(x: float, c: float, k: float, slope: float | None = None) -> float:
    """eq 10 on one number; `slope` overrides the rollback slope k (a negative control)."""
    slope = k if slope is None else slope
    if abs(x) <= c:
        return x
    if abs(x) < (1 + 1 / k) * c:
        return math.copysign((slope + 1) * c, x) - slope * x
    return 0.0


def logclip_scalar(x: float, eps: float) -> float:
    """eq 12."""
    return math.exp(min(max(math.log(x), -eps), eps))


def fiberpo_row(logr: list[float], c_pos: float, c_neg: float, eps: float, *, slope=None, sign_split=True):
    """Gated ratios of one trajectory from the ratio form of eq 7/11 (sign(0) := +1)."""
    t = len(logr)
    s_pos = math.exp(sum(max(x, 0.0) for x in logr) / t)
    s_neg = math.exp(sum(max(-x, 0.0) for x in logr) / t)
    if not sign_split:  # negative control: one unsplit channel, as criticised in App. E.5.4
        s_pos = s_neg = math.exp(sum(logr) / t)
    w = math.exp(g_agg_scalar(math.log(s_pos), c_pos, t, slope) - g_agg_scalar(math.log(s_neg), c_neg, t, slope))
    out = []
    for x in logr:
        l = 1 if x >= 0 else -1
        same, opposite = (s_pos, s_neg) if l == 1 else (s_neg, s_pos)
        out.append(w * logclip_scalar(same ** (-l) * math.exp(x), eps) / logclip_scalar(opposite ** (-l), eps))
    return out


def ppo_term(r: float, a: float, eps_low: float, eps_high: float) -> float:
    """min(r A, clip(r, 1-eps_low, 1+eps_high) A), the textbook PPO term."""
    return min(r * a, min(max(r, 1 - eps_low), 1 + eps_high) * a)
