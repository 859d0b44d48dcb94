"""Ragged float64 test batches that visit every regime of the FiberPO gates."""

from __future__ import annotations

import torch


def ragged_batch(lengths: list[int], scale: float, seed: int = 0, width: int | None = None):
    """Log-ratios [B, T] with a ragged mask; each row drifts by its own random offset, in float64."""
    gen = torch.Generator().manual_seed(seed)
    width = width or max(lengths)
    batch = len(lengths)
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    offsets = scale * torch.randn(batch, 1, generator=gen, dtype=torch.float64)
    noise = scale * torch.randn(batch, width, generator=gen, dtype=torch.float64)
    log_ratio = torch.where(mask, offsets + noise, torch.zeros((), dtype=torch.float64))
    advantages = torch.randn(batch, generator=gen, dtype=torch.float64)
    return log_ratio, mask, advantages
