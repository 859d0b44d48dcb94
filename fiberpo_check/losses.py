"""Framework-facing losses with verl's policy-loss signature: loss = -objective, plus gate metrics.

Hyperparameters are read from `config` (a dict, or any object with `.get`, such as verl's ActorConfig):
`fiberpo_c_pos`, `fiberpo_c_neg` (floats, or dicts {domain, group, trajectory} for FiberPO-Domain),
`fiberpo_eps`, for FiberPO-Domain `fiberpo_group_ids`, `fiberpo_domain_ids` (int tensors [B]), and
`fiberpo_compile` (run the loss under torch.compile); `global_batch_info` (dp_size, batch_num_tokens,
global_batch_size, loss_scale_factor) sets the normalisers. `compute_policy_loss_grpo` is the PPO-clip GRPO
loss they replace (verl keys clip_ratio, clip_ratio_low, clip_ratio_high), the speed baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from fiberpo_check.engine.aggregation import Normalizers, aggregate, row_weights
from fiberpo_check.engine.batch import (
    Hierarchy,
    check_finite,
    check_mask,
    check_positive,
    check_token_tensor,
    loss_inputs,
)
from fiberpo_check.engine.fast_fiberpo import (
    FiberStats,
    HierarchyBase,
    TrajectoryBase,
    fiber_objective,
)
from fiberpo_check.engine.gates import gate_regime
from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER
from fiberpo_check.engine.objectives.fiberpo_domain import level_budgets

DEFAULTS = {**{f"fiberpo_{name}": value for name, value in FIBERPO_HYPER.items()}, "fiberpo_compile": False}


def config_value(config: Any, key: str, default: Any = None) -> Any:
    """config[key] for a dict or an object with .get, else the toolkit default (None when there is none)."""
    default = DEFAULTS.get(key, default)
    if config is None:
        return default
    getter = config.get if hasattr(config, "get") else lambda k, d: getattr(config, k, d)
    value = getter(key, default)
    return default if value is None else value


def first_set(config: Any, key: str, fallback: str, default: float) -> Any:
    """config[key] if set (0.0 counts as set), else config[fallback] if set, else `default`."""
    value = config_value(config, key)
    if value is None:
        value = config_value(config, fallback)
    return default if value is None else value


def normalizers(config: Any) -> Normalizers:
    """Global normalisers from verl's `global_batch_info` (absent: computed from the local batch)."""
    info = config_value(config, "global_batch_info") or {}
    keys = ("batch_num_tokens", "global_batch_size", "loss_scale_factor")
    values = {key: (None if info.get(key) is None else float(info[key])) for key in keys}
    return Normalizers(**values, dp_size=int(info.get("dp_size", 1) or 1))


def budget_value(config: Any, name: str) -> float | dict:
    """fiberpo_c_pos / fiberpo_c_neg as a float or a plain dict of per-level budgets (any Mapping accepted)."""
    value = config_value(config, f"fiberpo_{name}")
    return dict(value) if isinstance(value, Mapping) else value


@dataclass(frozen=True)
class PolicyBatch:
    """Loss inputs after cheap structural checks: float tensors in at least fp32, bool mask, lengths [B]."""

    log_prob: Tensor
    old_log_prob: Tensor
    advantages: Tensor  # [B, 1] or [B, T], rollout_is_weights folded in
    mask: Tensor
    lengths: Tensor  # valid tokens per row (0 for an empty row)

    def rows(self, keep: Tensor) -> "PolicyBatch":
        """The rows selected by the bool index `keep` (gradients scatter back to the full batch)."""
        return PolicyBatch(*(value[keep] for value in vars(self).values()))


def policy_batch(old_log_prob, log_prob, advantages, response_mask, rollout_is_weights) -> PolicyBatch:
    """Shapes, dtypes and mask checked (values are checked only if the loss comes out non-finite)."""
    check_token_tensor("log_prob", log_prob)
    check_token_tensor("old_log_prob", old_log_prob, log_prob.shape)
    mask = check_mask(response_mask, log_prob.shape, allow_empty_rows=True)
    if not isinstance(advantages, Tensor) or not advantages.is_floating_point():
        raise ValueError("advantages: expected a floating torch.Tensor")
    batch = log_prob.shape[0]
    if advantages.shape in ((batch,), (batch, 1)):
        advantages = advantages.reshape(batch, 1)
    elif advantages.shape != log_prob.shape:
        raise ValueError(f"advantages: shape {tuple(advantages.shape)} is not [B], [B, 1] or {tuple(log_prob.shape)}")
    dtype = torch.promote_types(torch.promote_types(log_prob.dtype, old_log_prob.dtype), advantages.dtype)
    dtype = torch.promote_types(dtype, torch.float32)
    advantages = advantages.to(dtype)
    if rollout_is_weights is not None:
        check_token_tensor("rollout_is_weights", rollout_is_weights, log_prob.shape)
        advantages = advantages * rollout_is_weights.to(dtype)
    lengths = mask.sum(dim=-1).to(dtype)
    return PolicyBatch(log_prob.to(dtype), old_log_prob.to(dtype), advantages, mask, lengths)


def raise_on_non_finite(loss: Tensor, args: tuple) -> None:
    """A non-finite loss (or statistic) is traced back to the input with NaN/inf at a valid position (ValueError)."""
    if bool(torch.isfinite(loss).all()):
        return
    old_log_prob, log_prob, advantages, response_mask, rollout_is_weights = args
    _, _, mask = loss_inputs(log_prob, old_log_prob, advantages, response_mask, allow_empty_rows=True)
    if rollout_is_weights is not None:
        check_finite("rollout_is_weights", rollout_is_weights, mask)
    raise ValueError("log_prob/advantages: the loss is not finite although every input is (values too large?)")


def compute_policy_loss_grpo(
    old_log_prob: Tensor,
    log_prob: Tensor,
    advantages: Tensor,
    response_mask: Tensor,
    loss_agg_mode: str = "seq-mean-token-mean",
    config: Any = None,
    rollout_is_weights: Tensor | None = None,
) -> tuple[Tensor, dict[str, float]]:
    """GRPO's PPO-clip loss -min(r A, clip(r, 1-eps_low, 1+eps_high) A) (App. C.4) in verl's form: the baseline."""
    args = (old_log_prob, log_prob, advantages, response_mask, rollout_is_weights)
    batch = policy_batch(*args)
    eps_low, eps_high = (first_set(config, key, "clip_ratio", 0.2) for key in ("clip_ratio_low", "clip_ratio_high"))
    core = grpo_core_compiled if config_value(config, "fiberpo_compile") else grpo_core
    loss, clipped, log_ratio_sum = core(batch, eps_low, eps_high, loss_agg_mode, normalizers(config))
    raise_on_non_finite(torch.stack([loss.detach(), log_ratio_sum]), args)
    n_tok = batch.lengths.sum()
    metrics = {"actor/pg_clipfrac": float(clipped / n_tok), "actor/ppo_kl": float(-log_ratio_sum / n_tok)}
    return loss, metrics | {"actor/pg_clipfrac_lower": 0.0}


def grpo_core(batch: PolicyBatch, eps_low: float, eps_high: float, mode: str, norm: Normalizers):
    """Aggregated GRPO loss (log r clamped to +-20 before exp), clipped-branch count and masked sum of log r."""
    log_ratio = batch.log_prob - batch.old_log_prob
    ratio = torch.exp(torch.clamp(log_ratio, -20.0, 20.0))
    unclipped = -batch.advantages * ratio
    clipped = -batch.advantages * torch.clamp(ratio, 1 - eps_low, 1 + eps_high)
    loss = aggregate(torch.maximum(unclipped, clipped), batch.mask, mode, norm)
    with torch.no_grad():
        n_clipped = ((clipped > unclipped) & batch.mask).sum()
        log_ratio_sum = torch.where(batch.mask, log_ratio, 0).sum()
    return loss, n_clipped, log_ratio_sum


grpo_core_compiled = torch.compile(grpo_core, dynamic=None)


def subset_gates(gates: dict, rows: Tensor) -> dict:
    """The base-gate inputs and counts of the selected trajectories."""
    return {key: (x[rows], c, k[rows] if isinstance(k, Tensor) else k) for key, (x, c, k) in gates.items()}


@torch.no_grad()
def gate_metrics(stats: FiberStats, gates: dict, lengths: Tensor, eps: float) -> dict[str, float]:
    """What the gates did on non-empty rows: fiber-clip saturation, base-gate regimes per channel and level, KL."""
    rows = lengths > 0
    if not bool(rows.all()):
        stats, gates, lengths = FiberStats(*(v[rows] for v in vars(stats).values())), subset_gates(gates, rows), lengths[rows]
    n_tok = lengths.sum()
    opposite = stats.positive * (stats.log_s_neg.abs() > eps) + (lengths - stats.positive) * (stats.log_s_pos.abs() > eps)
    mean_log_ratio = float(((stats.log_s_pos - stats.log_s_neg) * lengths).sum() / n_tok)
    mean_ratio = float(stats.ratio_sum.sum() / n_tok)
    metrics = {
        "fiberpo/fiber_clip_frac": float(stats.clipped.sum() / n_tok),
        "fiberpo/fiber_clip_opposite_frac": float(opposite.sum() / n_tok),
        "fiberpo/mean_ratio": mean_ratio,
        "fiberpo/approx_kl": mean_ratio - 1 - mean_log_ratio,
        "fiberpo/mean_base_weight": float(torch.exp(stats.base_log_weight).mean()),
    }
    inputs, budgets, counts = zip(*gates.values())
    x = torch.stack(inputs)
    regimes = gate_regime(x, torch.stack([torch.as_tensor(c, dtype=x.dtype) for c in budgets])[:, None], torch.stack([torch.as_tensor(k).expand_as(x[0]) for k in counts]))
    fractions = torch.stack([(regimes == 1).double().mean(dim=-1), (regimes == 2).double().mean(dim=-1)], dim=-1).tolist()
    for (channel, level), (rollback, zeroed) in zip(gates, fractions):
        metrics[f"fiberpo/{level}_{channel}_rollback_frac"] = rollback
        metrics[f"fiberpo/{level}_{channel}_zeroed_frac"] = zeroed
    metrics["actor/pg_clipfrac"] = metrics["fiberpo/fiber_clip_frac"]
    metrics["actor/ppo_kl"] = -mean_log_ratio
    metrics["actor/pg_clipfrac_lower"] = 0.0
    return metrics


def fiber_policy_loss(batch: PolicyBatch, base, args: tuple, loss_agg_mode: str, config: Any):
    """Shared body of both FiberPO losses: -sum mu_b A G by the fused (or compiled) path, and gate metrics."""
    eps = check_positive("eps", config_value(config, "fiberpo_eps"))
    row_weight = row_weights(batch.mask, batch.lengths, loss_agg_mode, normalizers(config))
    inputs = (batch.log_prob, batch.old_log_prob, batch.advantages, batch.mask, row_weight, base.lengths)
    objective, stats = fiber_objective(*inputs, base, eps, compiled=bool(config_value(config, "fiberpo_compile")))
    loss, stats = -objective, FiberStats(*stats)
    raise_on_non_finite(loss, args)
    return loss, gate_metrics(stats, base.gates(stats.log_s_pos, stats.log_s_neg), batch.lengths, eps)


def compute_policy_loss_fiberpo(
    old_log_prob: Tensor,
    log_prob: Tensor,
    advantages: Tensor,
    response_mask: Tensor,
    loss_agg_mode: str = "seq-mean-token-mean",
    config: Any = None,
    rollout_is_weights: Tensor | None = None,
) -> tuple[Tensor, dict[str, float]]:
    """FiberPO policy loss -sum mu_i G_i A_i (eqs 6-16) with verl's signature; returns (loss, metrics)."""
    args = (old_log_prob, log_prob, advantages, response_mask, rollout_is_weights)
    batch = policy_batch(*args)
    c_pos = check_positive("c_pos", config_value(config, "fiberpo_c_pos"))
    c_neg = check_positive("c_neg", config_value(config, "fiberpo_c_neg"))
    lengths = batch.lengths.clamp(min=1)
    base = TrajectoryBase(lengths, *(torch.tensor(c, dtype=lengths.dtype) for c in (c_pos, c_neg)))
    return fiber_policy_loss(batch, base, args, loss_agg_mode, config)


def compute_policy_loss_fiberpo_domain(
    old_log_prob: Tensor,
    log_prob: Tensor,
    advantages: Tensor,
    response_mask: Tensor,
    loss_agg_mode: str = "seq-mean-token-mean",
    config: Any = None,
    rollout_is_weights: Tensor | None = None,
) -> tuple[Tensor, dict[str, float]]:
    """FiberPO-Domain policy loss (eqs 30-33) with verl's signature; empty rows are left out of every level."""
    args = (old_log_prob, log_prob, advantages, response_mask, rollout_is_weights)
    batch = policy_batch(*args)
    group_ids, domain_ids = config_value(config, "fiberpo_group_ids"), config_value(config, "fiberpo_domain_ids")
    if group_ids is None or domain_ids is None:
        raise ValueError("config: FiberPO-Domain needs 'fiberpo_group_ids' and 'fiberpo_domain_ids' (int tensors [B])")
    group_ids = torch.as_tensor(group_ids, device=log_prob.device)
    domain_ids = torch.as_tensor(domain_ids, device=log_prob.device)
    hierarchy = Hierarchy.from_ids(group_ids, domain_ids, log_prob.shape[0])  # validates ids on the whole batch
    budgets_pos, budgets_neg = (level_budgets(name, budget_value(config, name)) for name in ("c_pos", "c_neg"))
    keep = batch.lengths > 0
    if not bool(keep.all()):
        batch = batch.rows(keep)
        hierarchy = Hierarchy.from_ids(group_ids[keep], domain_ids[keep], batch.mask.shape[0])
    base = HierarchyBase.of(hierarchy, batch.lengths, budgets_pos, budgets_neg)
    return fiber_policy_loss(batch, base, args, loss_agg_mode, config)
