"""Crafted probe batches that place each trajectory's channel aggregates log s+- (eq 9) in a chosen g_agg regime."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.gates import zeroing_threshold

REGIMES = ("pass", "rollback", "zeroed")


def padded_mask(lengths: Tensor, width: int | None = None) -> Tensor:
    """Right-padded bool mask [B, width] of the given trajectory lengths."""
    if lengths.dim() != 1 or lengths.numel() == 0 or bool((lengths < 1).any()):
        raise ValueError("lengths: expected a non-empty 1-D tensor of positive ints")
    width = int(lengths.max()) if width is None else width
    return torch.arange(width, device=lengths.device)[None, :] < lengths[:, None]


def aggregate_in_regime(regime: str, budget: float, lengths: Tensor, gen: torch.Generator) -> Tensor:
    """Per-trajectory targets for log s in the pass-through, rollback (width C/T) or zeroed band of g_agg (eq 10)."""
    if regime not in REGIMES:
        raise ValueError(f"regime: {regime!r} is not one of {REGIMES}")
    u = 0.1 + 0.8 * torch.rand(lengths.shape, generator=gen, dtype=torch.float64)
    k = lengths.to(torch.float64)
    if regime == "pass":
        return budget * u
    if regime == "rollback":
        return budget * (1 + u / k)
    return zeroing_threshold(budget, k) * (1.1 + u)


def batch_with_aggregates(
    lengths: Tensor, log_s_pos: Tensor, log_s_neg: Tensor, *, seed: int, spread: float = 1.0, zero_frac: float = 0.05
) -> tuple[Tensor, Tensor]:
    """float64 log-ratios [B, T] and mask whose channel aggregates equal the targets (eq 9).

    Token magnitudes are lognormal with log-sd `spread`; a fraction `zero_frac` of tokens is exactly 0.
    A channel with target 0 gets no tokens; a positive target with no token of that sign forces one.
    """
    gen = torch.Generator().manual_seed(seed)
    mask = padded_mask(lengths)
    shape = mask.shape
    magnitude = torch.exp(spread * torch.randn(shape, generator=gen, dtype=torch.float64))
    positive = torch.rand(shape, generator=gen, dtype=torch.float64) < 0.5
    zero = (torch.rand(shape, generator=gen, dtype=torch.float64) < zero_frac) & mask
    first = torch.zeros(shape, dtype=torch.bool)
    first[:, 0] = True
    second = torch.zeros(shape, dtype=torch.bool)
    second[:, 1 % shape[1]] = True
    positive = torch.where((log_s_pos > 0)[:, None] & first, True, positive)
    positive = torch.where((log_s_neg > 0)[:, None] & second & (lengths > 1)[:, None], False, positive)
    positive = torch.where((log_s_neg == 0)[:, None], True, positive)
    positive = torch.where((log_s_pos == 0)[:, None] & (log_s_neg > 0)[:, None], False, positive)
    zero = zero & ~first & ~second
    lengths64 = lengths.to(torch.float64)
    pos_part = torch.where(mask & positive & ~zero, magnitude, 0.0)
    neg_part = torch.where(mask & ~positive & ~zero, magnitude, 0.0)
    pos_scale = log_s_pos * lengths64 / pos_part.sum(-1).clamp(min=1e-300)
    neg_scale = log_s_neg * lengths64 / neg_part.sum(-1).clamp(min=1e-300)
    return pos_part * pos_scale[:, None] - neg_part * neg_scale[:, None], mask


def regime_batch(
    regime_pos: str,
    regime_neg: str,
    lengths: Tensor,
    *,
    c_pos: float,
    c_neg: float,
    seed: int,
    spread: float = 1.0,
    zero_frac: float = 0.05,
) -> tuple[Tensor, Tensor]:
    """A batch whose positive and negative channels sit in the named g_agg regimes (eq 10) for every trajectory."""
    gen = torch.Generator().manual_seed(seed)
    log_s_pos = aggregate_in_regime(regime_pos, c_pos, lengths, gen)
    log_s_neg = aggregate_in_regime(regime_neg, c_neg, lengths, gen)
    return batch_with_aggregates(lengths, log_s_pos, log_s_neg, seed=seed + 1, spread=spread, zero_frac=zero_frac)


def random_lengths(n_traj: int, max_len: int, *, seed: int, min_len: int = 1) -> Tensor:
    """Uniform random trajectory lengths in [min_len, max_len] (long dtype)."""
    if n_traj < 1 or max_len < min_len or min_len < 1:
        raise ValueError("n_traj, max_len, min_len: need n_traj >= 1 and 1 <= min_len <= max_len")
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(min_len, max_len + 1, (n_traj,), generator=gen)


def hierarchy_ids(n_traj: int, group_size: int, groups_per_domain: int) -> tuple[Tensor, Tensor]:
    """Consecutive prompt groups of `group_size` trajectories and domains of `groups_per_domain` groups (Def 6.4)."""
    if group_size < 1 or groups_per_domain < 1:
        raise ValueError("group_size, groups_per_domain: must be >= 1")
    group = torch.arange(n_traj) // group_size
    return group, group // groups_per_domain


def mixed_regime_batch(
    lengths: Tensor, *, c_pos: float, c_neg: float, seed: int, spread: float = 1.0, zero_frac: float = 0.05
) -> tuple[Tensor, Tensor]:
    """Every trajectory draws its own (positive, negative) regime pair, so one batch visits all nine."""
    gen = torch.Generator().manual_seed(seed)
    pick_pos = torch.randint(0, 3, lengths.shape, generator=gen)
    pick_neg = torch.randint(0, 3, lengths.shape, generator=gen)
    log_s_pos = torch.zeros(lengths.shape, dtype=torch.float64)
    log_s_neg = torch.zeros(lengths.shape, dtype=torch.float64)
    for index, regime in enumerate(REGIMES):
        log_s_pos = torch.where(pick_pos == index, aggregate_in_regime(regime, c_pos, lengths, gen), log_s_pos)
        log_s_neg = torch.where(pick_neg == index, aggregate_in_regime(regime, c_neg, lengths, gen), log_s_neg)
    return batch_with_aggregates(lengths, log_s_pos, log_s_neg, seed=seed + 1, spread=spread, zero_frac=zero_frac)
