"""Deliberately wrong FiberPO losses with verl's signature; each breaks one property the conformance checker names."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.aggregation import aggregate
from fiberpo_check.batch import masked
from fiberpo_check.checks.jacobian_probes import GateHyper
from fiberpo_check.checks.mutants import (
    batch_pooled_aggregates,
    detached_aggregates,
    missing_opposite_factor,
    unit_rollback_slope,
)
from fiberpo_check.gates import clip_sym, g_agg, hard_clip
from fiberpo_check.conform import REFERENCE_LOSS, reference_log_gate, verl_signature_loss
from fiberpo_check.losses import compute_policy_loss_fiberpo, config_value, normalizers
from fiberpo_check.objectives.fiberpo import (
    base_log_weight,
    channel_aggregates,
    fiber_arguments,
    fiber_log_residual,
    fiberpo_parts,
    validated,
)


def fixed_mode_loss(loss, mode: str):
    """A loss that ignores its loss_agg_mode argument and always aggregates with `mode`."""
    return lambda **kwargs: loss(**{**kwargs, "loss_agg_mode": mode})


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
    return aggregate(-(gate * adv), mask, loss_agg_mode, normalizers(config)), {}


def no_zeroing_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """g_agg whose rollback never stops (no zeroed regime): eq 10 without its third branch."""
    log_ratio, mask, lengths = validated(log_ratio, mask)
    log_s_pos, log_s_neg = channel_aggregates(log_ratio, mask, lengths)

    def gate(x, c):
        return torch.where(x.abs() <= c, x, torch.sign(x) * (lengths + 1) * c - lengths * x)

    base = gate(log_s_pos, hyper.c_pos) - gate(log_s_neg, hyper.c_neg)
    same, opposite = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    return base[:, None] + fiber_log_residual(same, opposite, hyper.eps)


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


def sign_zero_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """sign(0) = 0: a zero-log-ratio token belongs to neither channel, so its fiber residual is dropped."""
    parts = fiberpo_parts(log_ratio, mask, c_pos=hyper.c_pos, c_neg=hyper.c_neg, eps=hyper.eps)
    zero = parts.log_ratio == 0
    residual = fiber_log_residual(parts.same_sign, parts.opposite_sign, hyper.eps)
    return parts.base_log_weight[:, None] + torch.where(zero, torch.zeros_like(residual), residual)


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


# name -> (loss with verl's signature, the property it breaks; None: it must conform)
WRONG_LOSSES = {
    "detached_aggregates": (verl_signature_loss(detached_aggregates), "eq20"),
    "batch_pooled_aggregates": (verl_signature_loss(batch_pooled_aggregates), "block_structure"),
    "unit_rollback_slope": (verl_signature_loss(unit_rollback_slope), "rollback_slope"),
    "missing_opposite_factor": (verl_signature_loss(missing_opposite_factor), "identity_at_on_policy"),
    "no_zeroing": (verl_signature_loss(no_zeroing_log_gate), "zeroing"),
    "single_channel": (verl_signature_loss(single_channel_log_gate), "sign_split"),
    "ratio_space_clip": (verl_signature_loss(ratio_clip_log_gate), "logclip_asymmetry"),
    "sign_zero_dropped": (verl_signature_loss(sign_zero_log_gate), "zero_log_ratio"),
    "ignores_agg_mode": (fixed_mode_loss(REFERENCE_LOSS, "seq-mean-token-mean"), "aggregation_semantics"),
    "unmasked_inputs": (unmasked_loss, "masks"),
}
RIGHT_LOSSES = {
    "project_fiberpo_loss": compute_policy_loss_fiberpo,
    "sign_zero_negative": verl_signature_loss(sign_negative_log_gate),
}
# module-level names for `python -m fiberpo_check conform tests.wrong_losses:NAME`
no_zeroing_loss = WRONG_LOSSES["no_zeroing"][0]
sign_zero_negative_loss = RIGHT_LOSSES["sign_zero_negative"]
