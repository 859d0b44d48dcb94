"""Aggregation of per-token values into one scalar: the verl loss_agg_mode semantics and RGF weights mu."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from fiberpo_check.engine.batch import masked

MODES = ("seq-mean-token-mean", "token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm", "token-sum")


@dataclass(frozen=True)
class Normalizers:
    """Global normalisers of a (possibly split) batch; None means 'compute from the local batch'."""

    batch_num_tokens: float | None = None  # valid tokens in the whole batch (token-mean)
    global_batch_size: float | None = None  # non-empty sequences in the whole batch (seq-mean-*)
    loss_scale_factor: float | None = None  # seq-mean-token-sum-norm length constant (default: padded width)
    dp_size: int = 1  # data-parallel ranks whose gradients are averaged


def row_weights(mask: Tensor, lengths: Tensor, mode: str, norm: Normalizers | None = None) -> Tensor:
    """Weights mu_b with aggregate(values, mask, mode, norm) = sum_b mu_b sum_t mask*values (verl's agg_loss)."""
    if mode not in MODES:
        raise ValueError(f"loss_agg_mode: {mode!r} is not one of {MODES}")
    norm = norm or Normalizers()
    non_empty = lengths > 0
    n_seq = norm.global_batch_size if norm.global_batch_size is not None else non_empty.sum().to(lengths.dtype)
    if mode == "token-mean":
        n_tok = norm.batch_num_tokens if norm.batch_num_tokens is not None else lengths.sum()
        weight = torch.ones_like(lengths) / n_tok
    elif mode == "seq-mean-token-mean":
        weight = torch.where(non_empty, 1 / lengths.clamp(min=1), 0) / n_seq
    elif mode == "seq-mean-token-sum":
        weight = torch.ones_like(lengths) / n_seq
    elif mode == "token-sum":
        weight = torch.ones_like(lengths)
    else:
        scale = norm.loss_scale_factor if norm.loss_scale_factor is not None else mask.shape[-1]
        weight = torch.ones_like(lengths) / (n_seq * scale)
    return weight * norm.dp_size


def aggregate(values: Tensor, mask: Tensor, mode: str = "seq-mean-token-mean", norm: Normalizers | None = None) -> Tensor:
    """Reduce [B, T] values to a scalar by verl's modes (token-sum-norm is Dr.GRPO's sum / (n_seq * L))."""
    values = masked(values, mask)
    lengths = mask.sum(dim=-1).to(values.dtype)
    return (row_weights(mask, lengths, mode, norm) * values.sum(dim=-1)).sum()
