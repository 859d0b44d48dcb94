"""Framework-facing FiberPO losses with verl's policy-loss signature: loss = -objective, plus gate metrics.

Hyperparameters are read from `config` (a dict, or any object with `.get`, such as verl's ActorConfig):
`fiberpo_c_pos`, `fiberpo_c_neg` (floats, or dicts {domain, group, trajectory} for FiberPO-Domain),
`fiberpo_eps`, and for FiberPO-Domain `fiberpo_group_ids`, `fiberpo_domain_ids` (int tensors [B]);
`global_batch_info` (dp_size, batch_num_tokens, global_batch_size, loss_scale_factor) sets the normalisers.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .aggregation import Normalizers, aggregate
from .batch import broadcast_advantages, check_mask, check_token_tensor, log_ratio_of
from .gates import gate_regime, safe_ratio
from .objectives.fiberpo import FiberParts, fiberpo_parts
from .objectives.fiberpo_domain import fiberpo_domain_parts

DEFAULTS = {"fiberpo_c_pos": 0.12, "fiberpo_c_neg": 0.08, "fiberpo_eps": 0.02}


def config_value(config: Any, key: str) -> Any:
    """config[key] for a dict or an object with .get, else the toolkit default (None when there is none)."""
    if config is None:
        return DEFAULTS.get(key)
    getter = config.get if hasattr(config, "get") else lambda k, d: getattr(config, k, d)
    return getter(key, DEFAULTS.get(key))


def normalizers(config: Any) -> Normalizers:
    """Global normalisers from verl's `global_batch_info` (absent: computed from the local batch)."""
    info = config_value(config, "global_batch_info") or {}
    keys = ("batch_num_tokens", "global_batch_size", "loss_scale_factor")
    values = {key: (None if info.get(key) is None else float(info[key])) for key in keys}
    return Normalizers(**values, dp_size=int(info.get("dp_size", 1) or 1))


@torch.no_grad()
def gate_metrics(parts: FiberParts, eps: float) -> dict[str, float]:
    """What the gates did: fiber-clip saturation, base-gate regimes per channel and level, ratio and KL."""
    mask, n_tok = parts.mask, parts.mask.sum()
    log_ratio = parts.log_ratio

    def token_frac(flags: Tensor) -> float:
        return float((flags & mask).sum() / n_tok)

    metrics = {
        "fiberpo/fiber_clip_frac": token_frac(parts.same_sign.abs() > eps),
        "fiberpo/fiber_clip_opposite_frac": token_frac(parts.opposite_sign.abs() > eps),
        "fiberpo/mean_ratio": float(safe_ratio(log_ratio)[mask].mean()),
        "fiberpo/approx_kl": float((safe_ratio(log_ratio) - 1 - log_ratio)[mask].mean()),
        "fiberpo/mean_base_weight": float(torch.exp(parts.base_log_weight).mean()),
    }
    for (channel, level), (x, c, k) in parts.base_gates.items():
        regime = gate_regime(x, c, k)
        metrics[f"fiberpo/{level}_{channel}_rollback_frac"] = float((regime == 1).double().mean())
        metrics[f"fiberpo/{level}_{channel}_zeroed_frac"] = float((regime == 2).double().mean())
    metrics["actor/pg_clipfrac"] = metrics["fiberpo/fiber_clip_frac"]
    metrics["actor/ppo_kl"] = float((-log_ratio)[mask].mean())
    metrics["actor/pg_clipfrac_lower"] = 0.0
    return metrics


def policy_loss(
    parts_fn,
    old_log_prob: Tensor,
    log_prob: Tensor,
    advantages: Tensor,
    response_mask: Tensor,
    loss_agg_mode: str,
    config: Any,
    rollout_is_weights: Tensor | None,
) -> tuple[Tensor, dict[str, float]]:
    """Shared body of both losses: fp32 upcast, empty rows dropped, -G*A aggregated, metrics."""
    check_token_tensor("log_prob", log_prob)
    mask = check_mask(response_mask, log_prob.shape, allow_empty_rows=True)
    dtype = torch.promote_types(log_prob.dtype, torch.float32)
    log_ratio = log_ratio_of(log_prob.to(dtype), old_log_prob.to(dtype), mask)
    adv = broadcast_advantages(advantages.to(dtype), log_prob.shape, mask)
    keep = mask.any(dim=-1)
    parts = parts_fn(log_ratio[keep], mask[keep], keep)
    pg_losses = torch.zeros_like(log_ratio).index_put((keep.nonzero().flatten(),), -adv[keep] * torch.exp(parts.log_gate))
    if rollout_is_weights is not None:
        pg_losses = pg_losses * rollout_is_weights.to(dtype)
    loss = aggregate(pg_losses, mask, loss_agg_mode, normalizers(config))
    return loss, gate_metrics(parts, float(config_value(config, "fiberpo_eps")))


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

    def parts_fn(log_ratio: Tensor, mask: Tensor, keep: Tensor) -> FiberParts:
        return fiberpo_parts(
            log_ratio,
            mask,
            c_pos=config_value(config, "fiberpo_c_pos"),
            c_neg=config_value(config, "fiberpo_c_neg"),
            eps=config_value(config, "fiberpo_eps"),
        )

    return policy_loss(parts_fn, old_log_prob, log_prob, advantages, response_mask, loss_agg_mode, config, rollout_is_weights)


def compute_policy_loss_fiberpo_domain(
    old_log_prob: Tensor,
    log_prob: Tensor,
    advantages: Tensor,
    response_mask: Tensor,
    loss_agg_mode: str = "seq-mean-token-mean",
    config: Any = None,
    rollout_is_weights: Tensor | None = None,
) -> tuple[Tensor, dict[str, float]]:
    """FiberPO-Domain policy loss (eqs 30-33) with verl's signature; group/domain ids come from config."""
    group_ids, domain_ids = config_value(config, "fiberpo_group_ids"), config_value(config, "fiberpo_domain_ids")
    if group_ids is None or domain_ids is None:
        raise ValueError("config: FiberPO-Domain needs 'fiberpo_group_ids' and 'fiberpo_domain_ids' (int tensors [B])")

    def parts_fn(log_ratio: Tensor, mask: Tensor, keep: Tensor) -> FiberParts:
        return fiberpo_domain_parts(
            log_ratio,
            mask,
            torch.as_tensor(group_ids, device=keep.device)[keep],
            torch.as_tensor(domain_ids, device=keep.device)[keep],
            c_pos=config_value(config, "fiberpo_c_pos"),
            c_neg=config_value(config, "fiberpo_c_neg"),
            eps=config_value(config, "fiberpo_eps"),
        )

    return policy_loss(parts_fn, old_log_prob, log_prob, advantages, response_mask, loss_agg_mode, config, rollout_is_weights)
