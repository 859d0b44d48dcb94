"""Atomic gates of the paper: the aggregate gate g_agg, logclip and the hard clip."""

from __future__ import annotations

import torch
from torch import Tensor


def zeroing_threshold(c, k):
    """(1 + 1/k) C: where the rollback band of g_agg (width C/k) ends and the zeroed regime starts (eq 10)."""
    return (1 + 1 / k) * c


def g_agg(x: Tensor, c: float | Tensor, k: float | Tensor) -> Tensor:
    """Aggregate gate g_agg(x, C, k): pass-through, rollback with slope -k, zeroed (eq 10 = eq 78)."""
    c = torch.as_tensor(c, dtype=x.dtype, device=x.device)
    k = torch.as_tensor(k, dtype=x.dtype, device=x.device)
    ax = x.abs()
    rollback = torch.sign(x) * (k + 1) * c - k * x
    return torch.where(ax <= c, x, torch.where(ax < zeroing_threshold(c, k), rollback, torch.zeros_like(x)))


def g_agg_slope(x: Tensor, c: float | Tensor, k: float | Tensor) -> Tensor:
    """Derivative of g_agg: 1 (pass-through), -k (rollback), 0 (zeroed); gamma in eq 20."""
    c = torch.as_tensor(c, dtype=x.dtype, device=x.device)
    k = torch.as_tensor(k, dtype=x.dtype, device=x.device)
    ax = x.abs()
    one = torch.ones_like(x)
    return torch.where(ax <= c, one, torch.where(ax < zeroing_threshold(c, k), -k * one, 0 * one))


def gate_regime(x: Tensor, c: float | Tensor, k: float | Tensor) -> Tensor:
    """Regime of g_agg as an int tensor: 0 pass-through, 1 rollback, 2 zeroed (eq 10)."""
    c = torch.as_tensor(c, dtype=x.dtype, device=x.device)
    k = torch.as_tensor(k, dtype=x.dtype, device=x.device)
    ax = x.abs()
    return (ax > c).long() + (ax >= zeroing_threshold(c, k)).long()


GLOBAL_REGIMES = ("G-I", "G-II,r", "G-II", "G-III,r", "G-III")
FIG4_CONFIG = {"T": 10, "k": 32, "eps": 0.04, "c_pos": 0.12, "c_neg": 0.05}  # the paper's Fig 4 (§5.2)


def global_regime(regime_pos: Tensor, regime_neg: Tensor) -> Tensor:
    """Index into GLOBAL_REGIMES from the two channel regimes (0 pass, 1 rollback, 2 zeroed) (§5.1)."""
    past = (regime_pos > 0).long() + (regime_neg > 0).long()
    one_past = torch.where(torch.maximum(regime_pos, regime_neg) == 2, 2, 1)
    both_past = torch.where((regime_pos == 2) & (regime_neg == 2), 4, 3)
    return torch.where(past == 0, 0, torch.where(past == 1, one_past, both_past))


def clip_sym(y: Tensor, eps: float | Tensor) -> Tensor:
    """Symmetric clip clip(y, -eps, eps), the log-space form of logclip (eqs 12, 16)."""
    eps = torch.as_tensor(eps, dtype=y.dtype, device=y.device)
    return torch.minimum(torch.maximum(y, -eps), eps)


def logclip(x: Tensor, eps: float | Tensor) -> Tensor:
    """logclip(x, eps) = exp(clip(log x, -eps, eps)) for x > 0 (eq 12)."""
    return torch.exp(clip_sym(torch.log(x), eps))


def hard_clip(x: Tensor, low: float | Tensor, high: float | Tensor) -> Tensor:
    """Hard clip clip(x, low, high), the PPO/GRPO/GSPO ratio clip (App. C.4)."""
    low = torch.as_tensor(low, dtype=x.dtype, device=x.device)
    high = torch.as_tensor(high, dtype=x.dtype, device=x.device)
    return torch.minimum(torch.maximum(x, low), high)


LOG_RATIO_LIMIT = 20.0


def safe_ratio(log_ratio: Tensor) -> Tensor:
    """r = exp(log r) with log r clamped to +-20 before exp (as verl does), so extreme inputs stay finite."""
    return torch.exp(log_ratio.clamp(-LOG_RATIO_LIMIT, LOG_RATIO_LIMIT))


def pessimistic_clip(ratio: Tensor, sign: Tensor, low: float, high: float, use_min: bool) -> Tensor:
    """sign * min(clip(r, low, high) * sign, r * sign), the PPO-style min gate (App. C.4); no min: clip only."""
    clipped = hard_clip(ratio, low, high)
    return sign * torch.minimum(clipped * sign, ratio * sign) if use_min else clipped


def ratio_deviation(log_ratio: Tensor) -> Tensor:
    """r - 1 = expm1(log r) with log r clamped like safe_ratio (the deviation Delta of App. D.1)."""
    return torch.expm1(log_ratio.clamp(-LOG_RATIO_LIMIT, LOG_RATIO_LIMIT))
