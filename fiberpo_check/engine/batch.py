"""Batch structure: padded [B, T] tensors with a mask, trajectory lengths, group/domain hierarchy, packing."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


def check_token_tensor(name: str, x: Tensor, shape: torch.Size | None = None) -> Tensor:
    """A floating [B, T] tensor (optionally of a given shape), else ValueError naming `name`."""
    if not isinstance(x, Tensor):
        raise ValueError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(f"{name}: expected a floating dtype, got {x.dtype}")
    if x.dim() != 2:
        raise ValueError(f"{name}: expected shape [B, T], got {tuple(x.shape)}")
    if shape is not None and x.shape != shape:
        raise ValueError(f"{name}: shape {tuple(x.shape)} does not match {tuple(shape)}")
    return x


def check_mask(mask: Tensor, shape: torch.Size, *, allow_empty_rows: bool = False) -> Tensor:
    """Validate a bool or 0/1 mask of `shape` and return it as bool; empty rows raise unless allowed."""
    if not isinstance(mask, Tensor):
        raise ValueError(f"mask: expected a torch.Tensor, got {type(mask).__name__}")
    if mask.shape != shape:
        raise ValueError(f"mask: shape {tuple(mask.shape)} does not match {tuple(shape)}")
    if mask.dtype != torch.bool:
        if not bool(((mask == 0) | (mask == 1)).all()):
            raise ValueError("mask: values must be 0 or 1 (or a bool tensor)")
        mask = mask != 0
    if mask.numel() == 0 or not bool(mask.any()):
        raise ValueError("mask: the batch has no valid token")
    if not allow_empty_rows:
        empty = (~mask.any(dim=-1)).nonzero().flatten()
        if empty.numel():
            raise ValueError(f"mask: rows {empty[:8].tolist()} have no valid token (empty trajectory)")
    return mask


def check_finite(name: str, x: Tensor, mask: Tensor) -> None:
    """Raise ValueError when `x` holds NaN or inf at a valid (unmasked) position."""
    bad = mask & ~torch.isfinite(x)
    if bool(bad.any()):
        where = bad.nonzero()[0].tolist()
        raise ValueError(f"{name}: non-finite value at valid position {where}")


def masked(x: Tensor, mask: Tensor) -> Tensor:
    """x at valid positions, 0 at masked ones (torch.where, so garbage never leaks)."""
    return torch.where(mask, x, torch.zeros((), dtype=x.dtype, device=x.device))


def token_lengths(mask: Tensor, dtype: torch.dtype) -> Tensor:
    """Trajectory lengths T_tau = number of valid tokens per row, shape [B]."""
    return mask.sum(dim=-1).to(dtype)


def log_ratio_of(log_prob: Tensor, old_log_prob: Tensor, mask: Tensor) -> Tensor:
    """Validated per-token log-ratio log pi_theta - log pi_old, zero at masked positions."""
    check_token_tensor("log_prob", log_prob)
    check_token_tensor("old_log_prob", old_log_prob, log_prob.shape)
    check_finite("log_prob", log_prob, mask)
    check_finite("old_log_prob", old_log_prob, mask)
    return masked(log_prob, mask) - masked(old_log_prob, mask)


def loss_inputs(
    log_prob: Tensor, old_log_prob: Tensor, advantages: Tensor, mask: Tensor, *, allow_empty_rows: bool = False
) -> tuple[Tensor, Tensor, Tensor]:
    """Validated log-ratio and [B, T] advantages, upcast to at least float32 (loss math in fp32), and bool mask."""
    check_token_tensor("log_prob", log_prob)
    check_token_tensor("old_log_prob", old_log_prob, log_prob.shape)
    mask = check_mask(mask, log_prob.shape, allow_empty_rows=allow_empty_rows)
    advantages = broadcast_advantages(advantages, log_prob.shape, mask)
    dtype = torch.promote_types(torch.promote_types(log_prob.dtype, old_log_prob.dtype), advantages.dtype)
    dtype = torch.promote_types(dtype, torch.float32)
    return log_ratio_of(log_prob.to(dtype), old_log_prob.to(dtype), mask), advantages.to(dtype), mask


def broadcast_advantages(advantages: Tensor, shape: torch.Size, mask: Tensor) -> Tensor:
    """Advantages of shape [B], [B, 1] or [B, T] as a [B, T] tensor, zero at masked positions."""
    if not isinstance(advantages, Tensor) or not advantages.is_floating_point():
        raise ValueError("advantages: expected a floating torch.Tensor")
    batch = shape[0]
    if advantages.shape == (batch,):
        advantages = advantages[:, None]
    if advantages.shape == (batch, 1):
        advantages = advantages.expand(shape)
    if advantages.shape != shape:
        raise ValueError(f"advantages: shape {tuple(advantages.shape)} is not [B], [B, 1] or {tuple(shape)}")
    check_finite("advantages", advantages, mask)
    return masked(advantages, mask)


def segment_sum(values: Tensor, index: Tensor, size: int) -> Tensor:
    """Sum of `values` [N, ...] into `size` segments by `index` [N] (differentiable)."""
    out = torch.zeros((size, *values.shape[1:]), dtype=values.dtype, device=values.device)
    return out.index_add(0, index, values)


def contiguous_ids(name: str, ids: Tensor, batch: int) -> tuple[Tensor, int]:
    """Map arbitrary int ids of shape [B] to 0..n-1; returns (index, n)."""
    if not isinstance(ids, Tensor) or ids.dtype.is_floating_point or ids.dtype == torch.bool:
        raise ValueError(f"{name}: expected an integer torch.Tensor of shape [B]")
    if ids.shape != (batch,):
        raise ValueError(f"{name}: shape {tuple(ids.shape)} does not match the batch size [{batch}]")
    unique, index = torch.unique(ids, return_inverse=True)
    return index, unique.numel()


@dataclass(frozen=True)
class Hierarchy:
    """Trajectory -> prompt group -> domain membership (Def 6.4), with contiguous indices."""

    group: Tensor  # [B] group index of each trajectory
    domain: Tensor  # [B] domain index of each trajectory
    n_groups: int
    n_domains: int

    @classmethod
    def from_ids(cls, group_ids: Tensor, domain_ids: Tensor, batch: int) -> "Hierarchy":
        """Validate ids and check every prompt group lies in exactly one domain."""
        group, n_groups = contiguous_ids("group_ids", group_ids, batch)
        domain, n_domains = contiguous_ids("domain_ids", domain_ids.to(group_ids.device), batch)
        first = torch.full((n_groups,), -1, dtype=torch.long, device=group.device)
        first = first.scatter(0, group.flip(0), domain.flip(0))
        if bool((first[group] != domain).any()):
            bad = int(group[(first[group] != domain)][0])
            raise ValueError(f"group_ids/domain_ids: prompt group #{bad} spans more than one domain")
        return cls(group, domain, n_groups, n_domains)

    def level_means(self, per_trajectory: Tensor) -> tuple[Tensor, Tensor]:
        """Trajectory-weighted means over each trajectory's group and domain, gathered to [B] (eq 33)."""
        ones = torch.ones_like(per_trajectory)
        g_mean = segment_sum(per_trajectory, self.group, self.n_groups) / segment_sum(ones, self.group, self.n_groups)
        d_mean = segment_sum(per_trajectory, self.domain, self.n_domains) / segment_sum(
            ones, self.domain, self.n_domains
        )
        return g_mean[self.group], d_mean[self.domain]

    def level_token_counts(self, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """Token counts T_g and T_D of each trajectory's group and domain, gathered to [B] (Def 6.4)."""
        t_g = segment_sum(lengths, self.group, self.n_groups)[self.group]
        t_d = segment_sum(lengths, self.domain, self.n_domains)[self.domain]
        return t_g, t_d


def pad_packed(values: Tensor, cu_seqlens: Tensor) -> tuple[Tensor, Tensor]:
    """Packed 1-D tokens with offsets cu_seqlens [B+1] to padded [B, T_max] plus a bool mask."""
    if values.dim() != 1:
        raise ValueError(f"values: packed input must be 1-D, got {tuple(values.shape)}")
    if cu_seqlens.dim() != 1 or cu_seqlens.numel() < 2 or int(cu_seqlens[0]) != 0:
        raise ValueError("cu_seqlens: expected 1-D offsets starting at 0")
    lengths = cu_seqlens[1:] - cu_seqlens[:-1]
    if bool((lengths < 0).any()) or int(cu_seqlens[-1]) != values.numel():
        raise ValueError("cu_seqlens: offsets must be non-decreasing and end at len(values)")
    width = int(lengths.max())
    positions = torch.arange(width, device=values.device)
    mask = positions[None, :] < lengths[:, None]
    source = (cu_seqlens[:-1, None] + positions[None, :]).clamp(max=max(values.numel() - 1, 0))
    padded = torch.where(mask, values[source], torch.zeros((), dtype=values.dtype, device=values.device))
    return padded, mask


def unpad(padded: Tensor, mask: Tensor) -> Tensor:
    """Inverse of pad_packed: the valid tokens of a padded [B, T] tensor, row by row, as 1-D."""
    return padded[mask]


def check_positive(name: str, value: float) -> float:
    """A finite positive hyperparameter, else ValueError naming it."""
    value = float(value)
    if not (value > 0 and value < float("inf")):
        raise ValueError(f"{name}: expected a finite positive number, got {value}")
    return value


def check_nonnegative(name: str, value: float) -> float:
    """A finite non-negative hyperparameter, else ValueError naming it."""
    value = float(value)
    if not (value >= 0 and value < float("inf")):
        raise ValueError(f"{name}: expected a finite non-negative number, got {value}")
    return value


def token_ids(name: str, ids: Tensor, mask: Tensor) -> tuple[Tensor, int]:
    """Map int labels of shape [B, T] at the valid tokens (mask order) to 0..n-1; returns (index [N], n)."""
    if not isinstance(ids, Tensor) or ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise ValueError(f"{name}: expected an integer torch.Tensor of shape [B, T]")
    if ids.shape != mask.shape:
        raise ValueError(f"{name}: shape {tuple(ids.shape)} does not match {tuple(mask.shape)}")
    unique, index = torch.unique(ids[mask], return_inverse=True)
    return index, unique.numel()


def validated(log_ratio: Tensor, mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Checked log-ratio (zero at masked positions, at least float32), bool mask and trajectory lengths."""
    check_token_tensor("log_ratio", log_ratio)
    mask = check_mask(mask, log_ratio.shape)
    check_finite("log_ratio", log_ratio, mask)
    log_ratio = log_ratio.to(torch.promote_types(log_ratio.dtype, torch.float32))
    return masked(log_ratio, mask), mask, token_lengths(mask, log_ratio.dtype)
