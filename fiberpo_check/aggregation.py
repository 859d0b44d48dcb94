"""Aggregation of per-token values into one scalar: the verl loss_agg_mode semantics and RGF weights mu."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .batch import masked

MODES = ("seq-mean-token-mean", "token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm")


@dataclass(frozen=True)
class Normalizers:
    """Global normalisers of a (possibly split) batch; None means 'compute from the local batch'."""

    batch_num_tokens: float | None = None  # valid tokens in the whole batch (token-mean)
    global_batch_size: float | None = None  # non-empty sequences in the whole batch (seq-mean-*)
    loss_scale_factor: float | None = None  # seq-mean-token-sum-norm length constant (default: padded width)
    dp_size: int = 1  # data-parallel ranks whose gradients are averaged


def aggregate(values: Tensor, mask: Tensor, mode: str = "seq-mean-token-mean", norm: Normalizers | None = None) -> Tensor:
    """Reduce [B, T] values to a scalar by verl's modes; token-sum-norm is Dr.GRPO's sum / (n_seq * L)."""
    if mode not in MODES:
        raise ValueError(f"loss_agg_mode: {mode!r} is not one of {MODES}")
    norm = norm or Normalizers()
    values = masked(values, mask)
    row_tokens = mask.sum(dim=-1).to(values.dtype)
    non_empty = row_tokens > 0
    n_seq = norm.global_batch_size if norm.global_batch_size is not None else non_empty.sum().to(values.dtype)
    if mode == "token-mean":
        n_tok = norm.batch_num_tokens if norm.batch_num_tokens is not None else row_tokens.sum()
        total = values.sum() / n_tok
    elif mode == "seq-mean-token-mean":
        row_mean = values.sum(dim=-1) / torch.where(non_empty, row_tokens, torch.ones_like(row_tokens))
        total = row_mean.sum() / n_seq
    elif mode == "seq-mean-token-sum":
        total = values.sum() / n_seq
    else:
        scale = norm.loss_scale_factor if norm.loss_scale_factor is not None else mask.shape[-1]
        total = values.sum() / (n_seq * scale)
    return total * norm.dp_size
