"""Exact micro-batch losses: whole-batch normalisers and FiberPO-Domain aggregates (eq 33) computed once.

Pass 1 (`BatchContext.from_full_batch`, no grad) sums, per prompt group and domain, the channel aggregates
(log s+, log s-) of eq 9 over the whole batch, and the adjoint lambda = dL/d(sums) of the whole-batch loss L.
Pass 2 (`context.loss`) on a micro-batch uses the detached whole-batch sums plus the linear term
<lambda, this micro-batch's share of the sums>, so the micro-batch gradients add up to the full-batch gradient
and the loss values add up to the full-batch loss. With a `Collective` over processes the same two passes give
data-parallel shards the single-process gradient (see `fiberpo_check.distributed`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from typing import Protocol

import torch
from torch import Tensor

from .aggregation import MODES, Normalizers, aggregate
from .batch import Hierarchy, check_positive, contiguous_ids, loss_inputs, masked, segment_sum, token_lengths
from .objectives import objective_function
from .objectives.fiberpo import channel_aggregates, fiber_arguments, fiber_log_residual, fiberpo_gate
from .objectives.fiberpo_domain import LevelInputs, channel_gate, level_budgets
from .objectives.gspo import gspo_gate
from .objectives.ppo import ppo_gate

METHODS = ("ppo", "grpo", "gspo", "fiberpo", "fiberpo_domain")
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


@dataclass(frozen=True)
class LevelAggregates:
    """Whole-batch sums of (log s+, log s-) per group and domain, sizes, token counts and adjoint (eqs 31, 33)."""

    group_keys: Tensor  # [G] sorted raw group ids
    domain_keys: Tensor  # [D] sorted raw domain ids
    group_domain: Tensor  # [G] domain index of each group
    group_sums: Tensor  # [G, 2] sum over the group's trajectories of (log s+, log s-)
    domain_sums: Tensor  # [D, 2]
    group_sizes: Tensor  # [G] trajectories
    domain_sizes: Tensor  # [D]
    group_tokens: Tensor  # [G] T_g
    domain_tokens: Tensor  # [D] T_D
    group_adjoint: Tensor | None = None  # [G, 2] dL/d group_sums
    domain_adjoint: Tensor | None = None  # [D, 2] dL/d domain_sums

    def index(self, group_ids: Tensor, domain_ids: Tensor) -> tuple[Tensor, Tensor]:
        """Group and domain indices of a (micro-)batch's trajectories; ids unknown to the context raise."""
        group, domain = known_index("group_ids", group_ids, self.group_keys), known_index(
            "domain_ids", domain_ids, self.domain_keys
        )
        if bool((self.group_domain[group] != domain).any()):
            raise ValueError("group_ids/domain_ids: a trajectory's domain is not its group's domain in the context")
        return group, domain


def known_index(name: str, ids: Tensor, keys: Tensor) -> Tensor:
    """Position of each id of `ids` in the sorted `keys`, else ValueError naming the argument."""
    ids = ids.to(keys.device, torch.long)
    index = torch.searchsorted(keys, ids).clamp(max=keys.numel() - 1)
    unknown = keys[index] != ids
    if bool(unknown.any()):
        raise ValueError(f"{name}: id {int(ids[unknown][0])} is not in the batch context")
    return index


def channel_log_means(batch: TokenBatch) -> Tensor:
    """Per-trajectory (log s+, log s-) as a [b, 2] tensor (eq 9)."""
    lengths = token_lengths(batch.mask, batch.log_ratio.dtype)
    return torch.stack(channel_aggregates(batch.log_ratio, batch.mask, lengths), dim=-1)


def level_aggregates(
    batch: TokenBatch, group_ids: Tensor, domain_ids: Tensor, collective: Collective
) -> LevelAggregates:
    """Sums, sizes and token counts per group and domain over every process's trajectories (eq 33), one all-reduce."""
    ids = collective.cat(torch.stack((group_ids, domain_ids), dim=-1).flatten()).view(-1, 2)
    whole = Hierarchy.from_ids(ids[:, 0], ids[:, 1], ids.shape[0])
    group_keys, domain_keys = torch.unique(ids[:, 0]), torch.unique(ids[:, 1])
    group_domain = torch.zeros_like(group_keys).scatter(0, whole.group, whole.domain)
    group, domain = known_index("group_ids", group_ids, group_keys), known_index("domain_ids", domain_ids, domain_keys)
    log_s = channel_log_means(batch).detach()
    lengths = token_lengths(batch.mask, log_s.dtype)[:, None]
    per_trajectory = torch.cat((log_s, torch.ones_like(lengths), lengths), dim=-1)  # log s+, log s-, 1, T_tau
    n_g = group_keys.numel()
    totals = collective.sum(
        torch.cat((segment_sum(per_trajectory, group, n_g), segment_sum(per_trajectory, domain, domain_keys.numel())))
    )
    by_group, by_domain = totals[:n_g], totals[n_g:]
    return LevelAggregates(
        group_keys,
        domain_keys,
        group_domain,
        by_group[:, :2],
        by_domain[:, :2],
        by_group[:, 2],
        by_domain[:, 2],
        by_group[:, 3],
        by_domain[:, 3],
    )


def domain_log_gate(
    batch: TokenBatch, group: Tensor, domain: Tensor, levels: LevelAggregates, sums: tuple[Tensor, Tensor], hyper: dict
) -> tuple[Tensor, Tensor]:
    """log G_i of FiberPO-Domain with group/domain means from whole-batch `sums` (eqs 30-33), and (log s+, log s-)."""
    lengths = token_lengths(batch.mask, batch.log_ratio.dtype)
    log_s = channel_log_means(batch)
    g_mean = (sums[0] / levels.group_sizes[:, None])[group]
    d_mean = (sums[1] / levels.domain_sizes[:, None])[domain]
    counts = {"domain": levels.domain_tokens[domain], "group": levels.group_tokens[group], "trajectory": lengths}
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
    return base[:, None] + residual, log_s


def token_gate(method: str, batch: TokenBatch, hyper: dict) -> Tensor:
    """Gated ratios G(r)_i [b, T] of a method whose gate depends on one trajectory only (App. C.4, eq 7)."""
    if method in ("ppo", "grpo"):
        return ppo_gate(batch.log_ratio, batch.advantages, **hyper)
    if method == "gspo":
        return gspo_gate(batch.log_ratio, batch.advantages, batch.mask, **hyper)
    return fiberpo_gate(batch.log_ratio, batch.mask, **hyper)


def method_hyper(method: str, hyper: dict) -> dict:
    """The objective's default hyperparameters overridden by `hyper`; unknown names raise."""
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {METHODS}")
    params = inspect.signature(objective_function(method)).parameters
    defaults = {k: p.default for k, p in params.items() if p.kind is p.KEYWORD_ONLY and p.default is not p.empty}
    unknown = set(hyper) - set(defaults)
    if unknown:
        raise ValueError(f"hyper: {sorted(unknown)} are not hyperparameters of {method} ({sorted(defaults)})")
    return {**defaults, **hyper}


def paper_mode(method: str) -> str:
    """The aggregation that gives the paper's weights mu: token-mean for PPO, else seq-mean-token-mean."""
    return "token-mean" if method == "ppo" else "seq-mean-token-mean"


def global_normalizers(mask: Tensor, loss_scale_factor: float | None, collective: Collective) -> Normalizers:
    """Whole-batch token and sequence counts, and the token-sum-norm constant (default: widest padding)."""
    counts = collective.sum(torch.stack((mask.sum(), mask.any(dim=-1).sum())).double())
    if loss_scale_factor is None:
        width = torch.tensor([mask.shape[-1]], device=mask.device)
        loss_scale_factor = float(collective.cat(width).max())
    return Normalizers(float(counts[0]), float(counts[1]), float(loss_scale_factor), collective.world_size)


@dataclass(frozen=True)
class BatchContext:
    """Everything a micro-batch loss needs from the whole batch: normalisers and, for FiberPO-Domain, aggregates."""

    method: str
    loss_agg_mode: str
    hyper: dict
    normalizers: Normalizers
    levels: LevelAggregates | None = None

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
        loss_scale_factor: float | None = None,
        collective: Collective | None = None,
        **hyper,
    ) -> "BatchContext":
        """Pass 1 on the whole batch (or this process's shard with a `collective`); no gradient is recorded."""
        hyper = method_hyper(method, hyper)
        mode = loss_agg_mode or paper_mode(method)
        if mode not in MODES:
            raise ValueError(f"loss_agg_mode: {mode!r} is not one of {MODES}")
        collective = collective or SingleProcess()
        batch = TokenBatch.of(log_prob, old_log_prob, advantages, mask)
        context = cls(method, mode, hyper, global_normalizers(batch.mask, loss_scale_factor, collective))
        if method != "fiberpo_domain":
            return context
        group_ids, domain_ids, keep = context.hierarchy_ids(group_ids, domain_ids, batch.mask)
        batch = batch.rows(keep)
        levels = level_aggregates(batch, group_ids, domain_ids, collective)
        sums = (levels.group_sums.clone().requires_grad_(), levels.domain_sums.clone().requires_grad_())
        with torch.enable_grad():
            log_gate, _ = domain_log_gate(batch, *levels.index(group_ids, domain_ids), levels, sums, hyper)
            adjoint = collective.sum(torch.cat(torch.autograd.grad(context.aggregated(log_gate.exp(), batch), sums)))
        n_g = levels.group_keys.numel()
        return replace(context, levels=replace(levels, group_adjoint=adjoint[:n_g], domain_adjoint=adjoint[n_g:]))

    def hierarchy_ids(self, group_ids: Tensor | None, domain_ids: Tensor | None, mask: Tensor):
        """Group and domain ids of the non-empty rows and which rows those are (hierarchy: see level_aggregates)."""
        if group_ids is None or domain_ids is None:
            raise ValueError("group_ids/domain_ids: FiberPO-Domain needs both (int tensors [B])")
        contiguous_ids("group_ids", group_ids, mask.shape[0])
        contiguous_ids("domain_ids", domain_ids, mask.shape[0])
        keep = mask.any(dim=-1)
        return group_ids.to(mask.device, torch.long)[keep], domain_ids.to(mask.device, torch.long)[keep], keep

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
    ) -> Tensor:
        """Pass 2: this micro-batch's share of the whole-batch loss; shares and their gradients add up exactly."""
        padding_only = isinstance(mask, Tensor) and isinstance(log_prob, Tensor) and mask.shape == log_prob.shape
        if padding_only and not mask.any():
            return masked(log_prob, mask != 0).sum().to(torch.promote_types(log_prob.dtype, torch.float32))
        batch = TokenBatch.of(log_prob, old_log_prob, advantages, mask)
        if self.method != "fiberpo_domain":
            batch = batch.rows(batch.mask.any(dim=-1))
            return self.aggregated(token_gate(self.method, batch, self.hyper), batch)
        group_ids, domain_ids, keep = self.hierarchy_ids(group_ids, domain_ids, batch.mask)
        batch, levels = batch.rows(keep), self.levels
        group, domain = levels.index(group_ids, domain_ids)
        sums = (levels.group_sums, levels.domain_sums)
        log_gate, log_s = domain_log_gate(batch, group, domain, levels, sums, self.hyper)
        adjoint = levels.group_adjoint[group] + levels.domain_adjoint[domain]
        return self.aggregated(log_gate.exp(), batch) + (adjoint * (log_s - log_s.detach())).sum()
