"""Exact micro-batch losses: whole-batch normalisers and cross-trajectory sums computed once.

Two methods couple trajectories: FiberPO-Domain through group/domain means of the channel aggregates (eq 33)
and APC-Obj through each state's consumed TV budget (eq 57). Pass 1 (`BatchContext.from_full_batch`, no grad)
computes those sums over the whole batch and the adjoint lambda = dL/d(sums) of the whole-batch loss L.
Pass 2 (`context.loss`) on a micro-batch uses the detached whole-batch sums plus the linear term
<lambda, this micro-batch's share of the sums>, so the micro-batch gradients add up to the full-batch gradient
and the loss values add up to the full-batch loss. With a `Collective` over processes the same two passes give
data-parallel shards the single-process gradient (see `fiberpo_check.engine.distributed`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import torch
from torch import Tensor

from fiberpo_check.engine.aggregation import MODES, Normalizers, aggregate
from fiberpo_check.engine.batch import (
    Hierarchy,
    check_nonnegative,
    check_positive,
    contiguous_ids,
    loss_inputs,
    masked,
    segment_sum,
    token_ids,
    token_lengths,
)
from fiberpo_check.engine.gates import ratio_deviation
from fiberpo_check.engine.objectives import REGISTRY
from fiberpo_check.engine.objectives import method as registered_method
from fiberpo_check.engine.objectives.apc import coupled_clip, padded
from fiberpo_check.engine.objectives.fiberpo import channel_aggregates, fiber_arguments, fiber_log_residual
from fiberpo_check.engine.objectives.fiberpo_domain import LevelInputs, channel_gate, level_budgets

CONTEXT_METHODS = tuple(name for name, rgf in REGISTRY.items() if rgf.gate is not None)  # those with a per-token gate
CHANNELS = (("c_pos", 1.0), ("c_neg", -1.0))  # budget name and sign of each channel in log w_base (eq 31)


class Collective(Protocol):
    """Reductions over the processes that share one batch."""

    world_size: int

    def sum(self, x: Tensor) -> Tensor:
        """Element-wise sum of `x` over processes."""

    def cat(self, x: Tensor) -> Tensor:
        """Concatenation of every process's 1-D `x`, in rank order."""


class SingleProcess:
    """The trivial collective: the whole batch lives in this process."""

    world_size = 1

    def sum(self, x: Tensor) -> Tensor:
        """`x` itself."""
        return x

    def cat(self, x: Tensor) -> Tensor:
        """`x` itself."""
        return x


@dataclass(frozen=True)
class TokenBatch:
    """Validated loss inputs in at least float32: log-ratio and advantages [b, T] (0 where masked), bool mask."""

    log_ratio: Tensor
    advantages: Tensor
    mask: Tensor

    @classmethod
    def of(cls, log_prob: Tensor, old_log_prob: Tensor, advantages: Tensor, mask: Tensor) -> "TokenBatch":
        """Checked inputs, upcast to at least float32; empty rows are allowed (they contribute nothing)."""
        return cls(*loss_inputs(log_prob, old_log_prob, advantages, mask, allow_empty_rows=True))

    def rows(self, keep: Tensor) -> "TokenBatch":
        """The trajectories selected by the bool vector `keep`."""
        return TokenBatch(self.log_ratio[keep], self.advantages[keep], self.mask[keep])


def known_index(name: str, ids: Tensor, keys: Tensor) -> Tensor:
    """Position of each id of `ids` in the sorted `keys`, else ValueError naming the argument."""
    ids = ids.to(keys.device, torch.long)
    index = torch.searchsorted(keys, ids).clamp(max=keys.numel() - 1)
    unknown = keys[index] != ids
    if bool(unknown.any()):
        raise ValueError(f"{name}: id {int(ids[unknown][0])} is not in the batch context")
    return index


def stacked_channel_aggregates(batch: TokenBatch) -> Tensor:
    """Per-trajectory (log s+, log s-) as a [b, 2] tensor (eq 9)."""
    lengths = token_lengths(batch.mask, batch.log_ratio.dtype)
    return torch.stack(channel_aggregates(batch.log_ratio, batch.mask, lengths), dim=-1)


@dataclass(frozen=True)
class DomainCoupling:
    """FiberPO-Domain's whole-batch segments: every prompt group, then every domain (eqs 31, 33).

    A trajectory adds (log s+, log s-, 1, T_tau) to its group's and its domain's row of the sums.
    """

    group_keys: Tensor  # [G] sorted raw group ids
    domain_keys: Tensor  # [D] sorted raw domain ids
    group_domain: Tensor  # [G] domain index of each group

    @classmethod
    def build(cls, batch: TokenBatch, ids: dict, collective: Collective) -> "DomainCoupling":
        """Global id tables from every process's ids; the hierarchy is checked on the gathered ids."""
        gathered = collective.cat(torch.stack((ids["group_ids"], ids["domain_ids"]), dim=-1).flatten()).view(-1, 2)
        whole = Hierarchy.from_ids(gathered[:, 0], gathered[:, 1], gathered.shape[0])
        group_keys, domain_keys = torch.unique(gathered[:, 0]), torch.unique(gathered[:, 1])
        return cls(group_keys, domain_keys, torch.zeros_like(group_keys).scatter(0, whole.group, whole.domain))

    @property
    def size(self) -> int:
        """Number of segments: groups plus domains."""
        return self.group_keys.numel() + self.domain_keys.numel()

    def segments(self, batch: TokenBatch, ids: dict) -> Tensor:
        """Rows of the sums fed by each trajectory: [group of every row, G + domain of every row]."""
        group = known_index("group_ids", ids["group_ids"], self.group_keys)
        domain = known_index("domain_ids", ids["domain_ids"], self.domain_keys)
        if bool((self.group_domain[group] != domain).any()):
            raise ValueError("group_ids/domain_ids: a trajectory's domain is not its group's domain in the context")
        return torch.cat((group, self.group_keys.numel() + domain))

    def contributions(self, batch: TokenBatch) -> Tensor:
        """(log s+, log s-, 1, T_tau) of each trajectory, listed once per segment it feeds."""
        lengths = token_lengths(batch.mask, batch.log_ratio.dtype)[:, None]
        per_trajectory = torch.cat((stacked_channel_aggregates(batch), torch.ones_like(lengths), lengths), dim=-1)
        return per_trajectory.repeat(2, 1)

    def gate(self, batch: TokenBatch, segments: Tensor, sums: Tensor, hyper: dict) -> Tensor:
        """G_i of FiberPO-Domain with group/domain means and token counts from whole-batch `sums` (eqs 30-33)."""
        group, domain = sums[segments].chunk(2)  # [b, 4] rows: sum log s+, sum log s-, trajectories, tokens
        g_mean, d_mean = group[:, :2] / group[:, 2:3], domain[:, :2] / domain[:, 2:3]
        log_s, lengths = stacked_channel_aggregates(batch), token_lengths(batch.mask, batch.log_ratio.dtype)
        counts = {"domain": domain[:, 3], "group": group[:, 3], "trajectory": lengths}
        base = sum(
            sign
            * channel_gate(
                LevelInputs(d_mean[:, c], g_mean[:, c] - d_mean[:, c], log_s[:, c] - g_mean[:, c]),
                level_budgets(name, hyper[name]),
                counts,
            )
            for c, (name, sign) in enumerate(CHANNELS)
        )
        same_sign, opposite_sign = fiber_arguments(batch.log_ratio, log_s[:, 0], log_s[:, 1])
        residual = fiber_log_residual(same_sign, opposite_sign, check_positive("eps", hyper["eps"]))
        return torch.exp(base[:, None] + residual)


@dataclass(frozen=True)
class StateCoupling:
    """APC-Obj's whole-batch segments: one per state; a valid token adds (|r - 1|, 1) to its state's row (eq 57)."""

    state_keys: Tensor  # [S] sorted raw state ids

    @classmethod
    def build(cls, batch: TokenBatch, ids: dict, collective: Collective) -> "StateCoupling":
        """Global state table from every process's state ids at valid tokens."""
        return cls(torch.unique(collective.cat(ids["state_ids"][batch.mask])))

    @property
    def size(self) -> int:
        """Number of segments: states."""
        return self.state_keys.numel()

    def segments(self, batch: TokenBatch, ids: dict) -> Tensor:
        """State row of every valid token (mask order)."""
        return known_index("state_ids", ids["state_ids"][batch.mask], self.state_keys)

    def contributions(self, batch: TokenBatch) -> Tensor:
        """(|r - 1|, 1) of every valid token."""
        deviation = ratio_deviation(batch.log_ratio[batch.mask]).abs()
        return torch.stack((deviation, torch.ones_like(deviation)), dim=-1)

    def gate(self, batch: TokenBatch, segments: Tensor, sums: Tensor, hyper: dict) -> Tensor:
        """G_i = clip(r_i - 1, B_i) + 1 with B_i = T_s delta - (sum_{s} |r - 1| - |r_i - 1|) from `sums` (eq 59)."""
        deviation = ratio_deviation(batch.log_ratio[batch.mask])
        consumed, count = sums[segments].unbind(dim=-1)
        bound = count * check_nonnegative("delta", hyper["delta"]) - (consumed - deviation.abs())
        return padded(coupled_clip(deviation, bound) + 1, batch.mask, 1.0)


COUPLINGS = {"fiberpo_domain": (DomainCoupling, ("group_ids", "domain_ids")), "apc": (StateCoupling, ("state_ids",))}


def token_gate(method: str, batch: TokenBatch, hyper: dict) -> Tensor:
    """Gated ratios G(r)_i [b, T] of a method whose gate depends on one trajectory only (App. C.4, eq 7)."""
    return registered_method(method).gate(batch.log_ratio, batch.advantages, batch.mask, **hyper)


def gated_hyper(method: str, hyper: dict) -> dict:
    """The method's default hyperparameters overridden by `hyper` (methods with a per-token gate only)."""
    rgf = registered_method(method)
    if rgf.gate is None:
        raise ValueError(f"method: {method!r} has no per-token gate to split into micro-batches")
    return rgf.hyper(hyper)


def global_normalizers(mask: Tensor, loss_scale_factor: float | None, collective: Collective) -> Normalizers:
    """Whole-batch token and sequence counts, and the token-sum-norm constant (default: widest padding)."""
    counts = collective.sum(torch.stack((mask.sum(), mask.any(dim=-1).sum())).double())
    if loss_scale_factor is None:
        width = torch.tensor([mask.shape[-1]], device=mask.device)
        loss_scale_factor = float(collective.cat(width).max())
    return Normalizers(float(counts[0]), float(counts[1]), float(loss_scale_factor), collective.world_size)


def coupled_ids(method: str, ids: dict, mask: Tensor, keep: Tensor) -> dict:
    """The id tensors a coupled method needs, checked, as long tensors of the rows in `keep`."""
    names = COUPLINGS[method][1]
    missing = [name for name in names if ids[name] is None]
    if missing:
        raise ValueError(f"{'/'.join(missing)}: {method} needs {', '.join(names)}")
    for name in names:
        if name == "state_ids":
            token_ids(name, ids[name], mask)
        else:
            contiguous_ids(name, ids[name], mask.shape[0])
    return {name: ids[name].to(mask.device, torch.long)[keep] for name in names}


@dataclass(frozen=True)
class BatchContext:
    """What a micro-batch loss needs from the whole batch: normalisers and, for coupled methods, segment sums."""

    method: str
    loss_agg_mode: str
    hyper: dict
    normalizers: Normalizers
    coupling: DomainCoupling | StateCoupling | None = None
    sums: Tensor | None = None  # [segments, columns] whole-batch sums of the coupling's contributions
    adjoint: Tensor | None = None  # dL/d sums of the whole-batch loss

    @classmethod
    @torch.no_grad()
    def from_full_batch(
        cls,
        method: str,
        log_prob: Tensor,
        old_log_prob: Tensor,
        advantages: Tensor,
        mask: Tensor,
        *,
        loss_agg_mode: str | None = None,
        group_ids: Tensor | None = None,
        domain_ids: Tensor | None = None,
        state_ids: Tensor | None = None,
        loss_scale_factor: float | None = None,
        collective: Collective | None = None,
        **hyper,
    ) -> "BatchContext":
        """Pass 1 on the whole batch (or this process's shard with a `collective`); no gradient is recorded."""
        hyper = gated_hyper(method, hyper)
        mode = loss_agg_mode or registered_method(method).native_mode
        if mode not in MODES:
            raise ValueError(f"loss_agg_mode: {mode!r} is not one of {MODES}")
        collective = collective or SingleProcess()
        batch = TokenBatch.of(log_prob, old_log_prob, advantages, mask)
        context = cls(method, mode, hyper, global_normalizers(batch.mask, loss_scale_factor, collective))
        if method not in COUPLINGS:
            return context
        keep = batch.mask.any(dim=-1)
        given = dict(group_ids=group_ids, domain_ids=domain_ids, state_ids=state_ids)
        ids, batch = coupled_ids(method, given, batch.mask, keep), batch.rows(keep)
        coupling = COUPLINGS[method][0].build(batch, ids, collective)
        segments = coupling.segments(batch, ids)
        sums = collective.sum(segment_sum(coupling.contributions(batch), segments, coupling.size))
        leaf = sums.clone().requires_grad_()
        with torch.enable_grad():
            loss = context.aggregated(coupling.gate(batch, segments, leaf, hyper), batch)
            adjoint = collective.sum(torch.autograd.grad(loss, leaf)[0])
        return replace(context, coupling=coupling, sums=sums, adjoint=adjoint)

    def aggregated(self, gate: Tensor, batch: TokenBatch) -> Tensor:
        """Loss -sum_i mu_i G_i A_i with the whole batch's normalisers (verl agg_loss semantics)."""
        return -aggregate(gate * batch.advantages, batch.mask, self.loss_agg_mode, self.normalizers)

    def loss(
        self,
        log_prob: Tensor,
        old_log_prob: Tensor,
        advantages: Tensor,
        mask: Tensor,
        *,
        group_ids: Tensor | None = None,
        domain_ids: Tensor | None = None,
        state_ids: Tensor | None = None,
    ) -> Tensor:
        """Pass 2: this micro-batch's share of the whole-batch loss; shares and their gradients add up exactly."""
        padding_only = isinstance(mask, Tensor) and isinstance(log_prob, Tensor) and mask.shape == log_prob.shape
        if padding_only and not mask.any():
            return masked(log_prob, mask != 0).sum().to(torch.promote_types(log_prob.dtype, torch.float32))
        batch = TokenBatch.of(log_prob, old_log_prob, advantages, mask)
        keep = batch.mask.any(dim=-1)
        if self.coupling is None:
            batch = batch.rows(keep)
            return self.aggregated(token_gate(self.method, batch, self.hyper), batch)
        given = dict(group_ids=group_ids, domain_ids=domain_ids, state_ids=state_ids)
        ids, batch = coupled_ids(self.method, given, batch.mask, keep), batch.rows(keep)
        segments = self.coupling.segments(batch, ids)
        contributions = self.coupling.contributions(batch)
        correction = (self.adjoint[segments] * (contributions - contributions.detach())).sum()
        return self.aggregated(self.coupling.gate(batch, segments, self.sums, self.hyper), batch) + correction
