"""Deliberately wrong (and deliberately unusual but right) policy losses with verl's signature, for the checker."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from fiberpo_check.engine.aggregation import aggregate
from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.gates import clip_sym, g_agg, hard_clip
from fiberpo_check.engine.objectives.fiberpo import (
    base_log_weight,
    channel_aggregates,
    fiber_arguments,
    fiber_log_residual,
    fiberpo_parts,
    validated,
)
from fiberpo_check.losses import compute_policy_loss_fiberpo, config_value, normalizers
from fiberpo_check.verification.checks.jacobian_probes import GateHyper
from fiberpo_check.verification.checks.mutants import (
    assembled_log_gate,
    batch_pooled_aggregates,
    detached_aggregates,
    missing_opposite_factor,
    unit_rollback_slope,
)
from fiberpo_check.verification.checks.probe_batches import hierarchy_ids
from fiberpo_check.verification.conform_variants import (
    ClipGate,
    clamped,
    clip_loss,
    fiber_loss,
    fixed_mode,
    ignores_rollout_weights,
    reference_log_gate,
    reference_loss,
    sign_zero_log_gate,
    with_config,
)

REFERENCE = reference_loss("fiberpo")


def unmasked_loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="seq-mean-token-mean",
                  config=None, rollout_is_weights=None):
    """Multiplies by the mask instead of selecting with it, so NaN padding leaks (0 * NaN = NaN)."""
    mask = response_mask.bool()
    log_ratio = (log_prob - old_log_prob) * mask
    adv = (advantages[:, None] if advantages.dim() == 1 else advantages) * mask
    keep = mask.any(dim=-1)
    hyper = GateHyper(*(config_value(config, key) for key in ("fiberpo_c_pos", "fiberpo_c_neg", "fiberpo_eps")))
    gate = torch.zeros_like(log_ratio).index_put(
        (keep.nonzero().flatten(),), torch.exp(reference_log_gate(log_ratio[keep], mask[keep], hyper)))
    values = -(gate * adv) if rollout_is_weights is None else -(gate * adv * rollout_is_weights)
    return aggregate(values, mask, loss_agg_mode, normalizers(config)), {}


def ratio_before_mask_loss(old_log_prob, log_prob, advantages, response_mask, **kwargs):
    """exp(log_prob - old) over the whole padded tensor, then log and mask: right values, NaN gradient at padding."""
    mask = response_mask.bool()
    ratio = torch.exp(log_prob - old_log_prob)
    log_ratio = torch.where(mask, torch.log(ratio), 0.0)
    return REFERENCE(old_log_prob=old_log_prob * 0, log_prob=log_ratio, advantages=advantages, response_mask=mask,
                     **kwargs)


def no_zeroing_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """g_agg whose rollback never stops (no zeroed regime): eq 10 without its third branch."""
    log_ratio, mask, lengths = validated(log_ratio, mask)
    log_s_pos, log_s_neg = channel_aggregates(log_ratio, mask, lengths)

    def gate(x, c):
        return torch.where(x.abs() <= c, x, torch.sign(x) * (lengths + 1) * c - lengths * x)

    base = gate(log_s_pos, hyper.c_pos) - gate(log_s_neg, hyper.c_neg)
    same, opposite = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    return base[:, None] + fiber_log_residual(same, opposite, hyper.eps)


def capped_slope_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """Rollback slope -min(T, 256): right on every short trajectory, wrong only past T = 256 (eq 10)."""
    return assembled_log_gate(log_ratio, mask, hyper, slope_count=lambda lengths: lengths.clamp(max=256))


def single_channel_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """No sign split: one aggregate mean(log r) gated with C+ or C- by its sign, fiber = clip(log r - mean)."""
    log_ratio, mask, lengths = validated(log_ratio, mask)
    mean = masked(log_ratio, mask).sum(-1) / lengths
    base = torch.where(mean >= 0, g_agg(mean, hyper.c_pos, lengths), -g_agg(-mean, hyper.c_neg, lengths))
    return base[:, None] + clip_sym(log_ratio - mean[:, None], hyper.eps)


def ratio_clip_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """Fiber clip in ratio space, clip(e^x, 1 - eps, 1 + eps), instead of logclip (eq 12)."""
    parts = fiberpo_parts(log_ratio, mask, c_pos=hyper.c_pos, c_neg=hyper.c_neg, eps=hyper.eps)
    low, high = 1 - hyper.eps, 1 + hyper.eps
    residual = torch.log(hard_clip(torch.exp(parts.same_sign), low, high)) - torch.log(
        hard_clip(torch.exp(parts.opposite_sign), low, high))
    return parts.base_log_weight[:, None] + residual


def sign_negative_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """sign(0) := -1, the other legitimate convention of eq 13 (a positive control: it must conform)."""
    log_ratio, mask, lengths = validated(log_ratio, mask)
    positive = log_ratio > 0
    zero = torch.zeros((), dtype=log_ratio.dtype)
    log_s_pos = masked(torch.where(positive, log_ratio, zero), mask).sum(-1) / lengths
    log_s_neg = masked(torch.where(positive, zero, -log_ratio), mask).sum(-1) / lengths
    base = base_log_weight(log_s_pos, log_s_neg, lengths, hyper.c_pos, hyper.c_neg)
    same = log_ratio - torch.where(positive, log_s_pos[:, None], -log_s_neg[:, None])
    opposite = torch.where(positive, -log_s_neg[:, None], log_s_pos[:, None])
    return base[:, None] + fiber_log_residual(same, opposite, hyper.eps)


def float32_budget_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """Right, but the budgets and eps are held as float32 tensors (as a training config often stores them)."""
    as32 = GateHyper(*(torch.tensor(v, dtype=torch.float32).to(log_ratio.dtype) for v in (hyper.c_pos, hyper.c_neg,
                                                                                         hyper.eps)))
    return reference_log_gate(log_ratio, mask, as32)


def hard_coded(values: dict):
    """A loss that ignores the config's budgets and uses its own."""
    return lambda **kwargs: REFERENCE(**{**kwargs, "config": {**(kwargs.get("config") or {}), **values}})


def token_advantages_only(old_log_prob, log_prob, advantages, response_mask, **kwargs):
    """Right, written the way verl's own losses are: advantages must be [B, T] (it refuses [B])."""
    if advantages.shape != log_prob.shape:
        raise ValueError(f"advantages: expected shape {tuple(log_prob.shape)}, got {tuple(advantages.shape)}")
    return compute_policy_loss_fiberpo(old_log_prob, log_prob, advantages, response_mask, **kwargs)


def numpy_forward_only(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="seq-mean-token-mean",
                       config=None, rollout_is_weights=None):
    """Right values computed from NumPy copies of the inputs: no autograd graph (gradients not checkable)."""
    arrays = [np.asarray(x.detach().cpu()) if isinstance(x, Tensor) else x
              for x in (old_log_prob, log_prob, advantages, response_mask, rollout_is_weights)]
    tensors = [None if a is None else torch.from_numpy(a) for a in arrays]
    loss, _ = REFERENCE(old_log_prob=tensors[0], log_prob=tensors[1], advantages=tensors[2],
                        response_mask=tensors[3], loss_agg_mode=loss_agg_mode, config=config,
                        rollout_is_weights=tensors[4])
    return float(loss.numpy()), {}


def contiguous_groups_domain_loss(old_log_prob, log_prob, advantages, response_mask, config=None, **kwargs):
    """FiberPO-Domain that ignores the ids and assumes consecutive prompt groups of 2, two groups per domain."""
    group, domain = hierarchy_ids(log_prob.shape[0], 2, 2)
    config = {**config, "fiberpo_group_ids": group, "fiberpo_domain_ids": domain}
    return reference_loss("fiberpo_domain")(old_log_prob=old_log_prob, log_prob=log_prob, advantages=advantages,
                                            response_mask=response_mask, config=config, **kwargs)


def per_sign_eps_loss(**kwargs):
    """FiberPO with its own fiber clip eps where A < 0, read from `eps_negative_advantage` (default: eps / 2)."""
    config = kwargs.get("config") or {}
    eps_neg = config.get("eps_negative_advantage", config_value(config, "fiberpo_eps") / 2)
    return REFERENCE(**{**kwargs, "config": {**config, "fiberpo_eps_neg": eps_neg}})


def old_verl_sum_norm(loss):
    """seq-mean-token-sum-norm as sum / loss_scale_factor only (no division by the number of sequences)."""

    def wrong(**kwargs):
        if kwargs["loss_agg_mode"] != "seq-mean-token-sum-norm":
            return loss(**kwargs)
        value, metrics = loss(**kwargs)
        mask = kwargs["response_mask"].bool()
        return value * mask.any(-1).sum(), metrics

    return wrong


def raises_on_long_rows(**kwargs):
    """Right, except that it raises on any batch wider than 1000 tokens."""
    if kwargs["log_prob"].shape[-1] > 1000:
        raise RuntimeError("sequence too long for this kernel")
    return REFERENCE(**kwargs)


def shared_budget_loss(**kwargs):
    """One budget for both channels, read from fiberpo_c_pos (C- = C+)."""
    config = kwargs.get("config") or {}
    return REFERENCE(**{**kwargs, "config": {**config, "fiberpo_c_neg": config_value(config, "fiberpo_c_pos")}})


# name -> (loss with verl's signature, variant, the property it breaks)
WRONG_LOSSES = {
    "detached_aggregates": (fiber_loss(detached_aggregates), "fiberpo", "eq20"),
    "batch_pooled_aggregates": (fiber_loss(batch_pooled_aggregates), "fiberpo", "block_structure"),
    "unit_rollback_slope": (fiber_loss(unit_rollback_slope), "fiberpo", "rollback_slope"),
    "rollback_slope_capped_at_256": (fiber_loss(capped_slope_log_gate), "fiberpo", "rollback_slope"),
    "missing_opposite_factor": (fiber_loss(missing_opposite_factor), "fiberpo", "identity_at_on_policy"),
    "no_zeroing": (fiber_loss(no_zeroing_log_gate), "fiberpo", "zeroing"),
    "single_channel": (fiber_loss(single_channel_log_gate), "fiberpo", "sign_split"),
    "ratio_space_clip": (fiber_loss(ratio_clip_log_gate), "fiberpo", "logclip_asymmetry"),
    "sign_zero_dropped": (fiber_loss(sign_zero_log_gate), "fiberpo", "zero_log_ratio"),
    "ignores_agg_mode": (fixed_mode(REFERENCE, "seq-mean-token-mean"), "fiberpo", "aggregation_semantics"),
    "sum_norm_without_sequence_count": (old_verl_sum_norm(REFERENCE), "fiberpo", "aggregation_semantics"),
    "unmasked_inputs": (unmasked_loss, "fiberpo", "masks"),
    "nan_gradient_at_padding": (ratio_before_mask_loss, "fiberpo", "masks"),
    "hard_coded_toolkit_budgets": (hard_coded({"fiberpo_c_pos": 0.12, "fiberpo_c_neg": 0.08}),
                                    "fiberpo", "hyperparameters"),
    "hard_coded_probe_budgets": (hard_coded({"fiberpo_c_pos": 0.125, "fiberpo_c_neg": 0.0625}),
                                "fiberpo", "hyperparameters"),
    "shared_budget": (shared_budget_loss, "fiberpo", "value"),
    "per_sign_eps": (per_sign_eps_loss, "fiberpo", "value"),
    "log_ratio_clamp_10": (clamped(REFERENCE, 10.0), "fiberpo", "large_log_ratio"),
    "ignores_rollout_weights": (ignores_rollout_weights(REFERENCE), "fiberpo", "rollout_is_weights"),
    "contiguous_groups": (contiguous_groups_domain_loss, "fiberpo_domain", "value"),
    "ppo_without_min": (clip_loss(ClipGate("ppo", use_min=False)), "ppo", "clip_semantics"),
    "ppo_with_dual_clip": (with_config(reference_loss("ppo"), clip_ratio_c=3.0), "ppo", "dual_clip"),
    "dapo_symmetric_eps": (with_config(reference_loss("dapo"), clip_ratio_high=lambda c: c["clip_ratio_low"]),
                           "dapo", "clip_semantics"),
    "dr_grpo_sequence_mean": (fixed_mode(reference_loss("dr_grpo"), "seq-mean-token-mean"), "dr_grpo",
                              "aggregation_semantics"),
    "cispo_without_stop_gradient": (clip_loss(ClipGate("cispo", stop_gradient=False)), "cispo", "gradient"),
    "gspo_token_ratio": (reference_loss("ppo"), "gspo", "value"),
    "gspo_token_sequence_gradient": (clip_loss(ClipGate("gspo_token", token_level=False)), "gspo_token", "gradient"),
}
RIGHT_LOSSES = {
    "project_fiberpo_loss": compute_policy_loss_fiberpo,
    "sign_zero_negative": fiber_loss(sign_negative_log_gate),
    "float32_budgets": fiber_loss(float32_budget_log_gate),
    "token_advantages_only": token_advantages_only,
}
# module-level names for `python -m fiberpo_check conform tests.wrong_losses:NAME`
no_zeroing_loss = WRONG_LOSSES["no_zeroing"][0]
sign_zero_negative_loss = RIGHT_LOSSES["sign_zero_negative"]
sign_zero_loss = WRONG_LOSSES["sign_zero_dropped"][0]
clamped_loss = WRONG_LOSSES["log_ratio_clamp_10"][0]
