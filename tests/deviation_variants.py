"""Wrong policy losses written the way their bugs occur in practice, one per deviation form of the diagnosis library,
and wrong losses that match no form (the diagnosis must then say so instead of naming the nearest form)."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.aggregation import aggregate
from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.objectives.fiberpo import base_log_weight, fiber_arguments, fiber_log_residual, validated
from fiberpo_check.losses import config_value, normalizers
from fiberpo_check.verification.checks.jacobian_probes import GateHyper
from fiberpo_check.verification.conform_variants import fiber_loss, reference_loss, with_config


def fork_coupled_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """A fork whose gate carries an extra 2 x (trajectory mean of log r) in its graph only: right values, on-policy
    gradient -mu (A_j + 2 sum A / T)."""
    parts = hyper.parts(log_ratio, mask)
    mean = masked(log_ratio, mask).sum(-1, keepdim=True) / mask.sum(-1, keepdim=True)
    return parts.log_gate + 2 * (mean - mean.detach())


def padded_channel_means_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """log s+- written as `.mean(-1)` over the padded tensor (the padded width, not T)."""
    log_ratio, mask, lengths = validated(log_ratio, mask)
    positive = masked(log_ratio.clamp(min=0), mask)
    negative = masked((-log_ratio).clamp(min=0), mask)
    log_s_pos, log_s_neg = positive.mean(-1), negative.mean(-1)
    base = base_log_weight(log_s_pos, log_s_neg, lengths, hyper.c_pos, hyper.c_neg)
    same, opposite = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    return masked(base[:, None] + fiber_log_residual(same, opposite, hyper.eps), mask)


def detached_base_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """w_base computed under torch.no_grad() (a 'constant' trajectory weight)."""
    parts = hyper.parts(log_ratio, mask)
    with torch.no_grad():
        base = parts.base_log_weight.clone()
    return parts.log_gate - parts.base_log_weight[:, None] + base[:, None]


def padded_row_mean_fiberpo(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="seq-mean-token-mean",
                            config=None, rollout_is_weights=None):
    """FiberPO whose seq-mean-token-mean takes each row's mean with `.mean(-1)` over the padded width."""
    values_loss = fiber_loss(reduce=lambda values, mask, mode, cfg: (
        values.mean(-1).mean() if mode == "seq-mean-token-mean" else aggregate(values, mask, mode, normalizers(cfg))))
    return values_loss(old_log_prob=old_log_prob, log_prob=log_prob, advantages=advantages,
                       response_mask=response_mask, loss_agg_mode=loss_agg_mode, config=config,
                       rollout_is_weights=rollout_is_weights)


def grpo_skipping_zero_advantage_rows(old_log_prob, log_prob, advantages, response_mask,
                                      loss_agg_mode="seq-mean-token-mean", config=None, rollout_is_weights=None):
    """GRPO that averages over the rows with a non-zero advantage only (and their tokens)."""
    mask = response_mask.bool()
    adv = advantages if advantages.dim() == 2 else advantages[:, None].expand(mask.shape)
    live = (torch.where(mask, adv, 0.0) != 0).any(-1)
    info = {"global_batch_size": int(live.sum()), "batch_num_tokens": int(mask[live].sum())}
    config = {**(config or {}), "global_batch_info": {**info, **((config or {}).get("global_batch_info") or {})}}
    return reference_loss("grpo")(old_log_prob=old_log_prob, log_prob=log_prob, advantages=advantages,
                                  response_mask=response_mask, loss_agg_mode=loss_agg_mode, config=config,
                                  rollout_is_weights=rollout_is_weights)


def dual_clip_hard_coded(**kwargs):
    """PPO with the dual clip at 3 typed in (the user's configured clip_ratio_c is never read)."""
    return with_config(reference_loss("ppo"), clip_ratio_c=3.0)(**kwargs)


def sharpened_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """log G scaled by 1.05 (no form of the library)."""
    return 1.05 * hyper.parts(log_ratio, mask).log_gate


def two_gate_bugs_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """Padded-width channel means and a detached base weight at once (two forms on one ingredient)."""
    log_ratio_v, mask_v, lengths = validated(log_ratio, mask)
    gate = padded_channel_means_log_gate(log_ratio, mask, hyper)
    positive = masked(log_ratio_v.clamp(min=0), mask_v)
    negative = masked((-log_ratio_v).clamp(min=0), mask_v)
    base = base_log_weight(positive.mean(-1), negative.mean(-1), lengths, hyper.c_pos, hyper.c_neg)
    return gate - base[:, None] + base.detach()[:, None]


def log_space_ppo(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="token-mean", config=None,
                  rollout_is_weights=None):
    """PPO that clips log r to [-eps_low, eps_high] instead of r to [1 - eps_low, 1 + eps_high] (no form of the
    library)."""
    mask = response_mask.bool()
    low, high = config_value(config, "clip_ratio_low"), config_value(config, "clip_ratio_high")
    log_ratio = torch.where(mask, log_prob - old_log_prob, 0.0)
    adv = torch.where(mask, advantages, 0.0)
    values = torch.maximum(-adv * torch.exp(log_ratio), -adv * torch.exp(log_ratio.clamp(-low, high)))
    if rollout_is_weights is not None:
        values = values * torch.where(mask, rollout_is_weights, 0.0)
    return aggregate(values, mask, loss_agg_mode, normalizers(config)), {}


# loss -> (variant, the form the diagnosis must name, its level)
NAMED = {
    "fork_coupled": (fiber_loss(fork_coupled_log_gate), "fiberpo", "on-policy gradient is -mu (A_j + c sum A / T) "
                     "with c = 2 "),
    "padded_channel_means": (fiber_loss(padded_channel_means_log_gate), "fiberpo",
                             "channel means log s+- over the padded width"),
    "detached_base": (fiber_loss(detached_base_log_gate), "fiberpo", "stop-gradient on the base weight"),
    "padded_row_mean": (padded_row_mean_fiberpo, "fiberpo", "per-trajectory mean over the padded width"),
    "skips_zero_advantage_rows": (grpo_skipping_zero_advantage_rows, "grpo", "normaliser skips zero-advantage rows"),
}
UNNAMED = {
    "sharpened_gate": (fiber_loss(sharpened_log_gate), "fiberpo"),
    "two_gate_bugs": (fiber_loss(two_gate_bugs_log_gate), "fiberpo"),
    "log_space_ppo": (log_space_ppo, "ppo"),
}
