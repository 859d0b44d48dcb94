"""Reference losses of the RGF family with verl's signature (App. C.4; eqs 6-16, 30-33), and deviation builders.

Each variant is its RGF gate times the advantage under its native aggregation: PPO (token-mean), GRPO
(seq-mean-token-mean), GSPO / GSPO-token (sequence ratio, App. C.4), DAPO (clip-higher eps_low < eps_high,
token-mean), Dr. GRPO (seq-mean-token-sum-norm: a constant length normaliser), CISPO (-sg(clip(r)) A log pi,
token-mean), FiberPO and FiberPO-Domain. Hyperparameters are read under verl's keys (`clip_ratio_low`,
`clip_ratio_high`, `clip_ratio_c` for a dual clip) and the toolkit's (`fiberpo_c_pos`, `fiberpo_c_neg`,
`fiberpo_eps`, `fiberpo_eps_neg` for a per-advantage-sign fiber clip).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from fiberpo_check.engine.batch import broadcast_advantages, check_mask, log_ratio_of, masked
from fiberpo_check.engine.gates import hard_clip, pessimistic_clip, safe_ratio
from fiberpo_check.engine.objectives.family import method
from fiberpo_check.engine.objectives.fiberpo import fiber_log_residual
from fiberpo_check.engine.objectives.gspo import gspo_gate, gspo_sign, sequence_log_ratio
from fiberpo_check.engine.objectives.ppo import ppo_gate
from fiberpo_check.losses import config_value
from fiberpo_check.verification.checks.jacobian_probes import GateHyper
from fiberpo_check.verification.conform_semantics import DEFAULT, semantics

FIBER_VARIANTS = ("fiberpo", "fiberpo_domain")
CLIP_VARIANTS = ("ppo", "grpo", "gspo", "gspo_token", "dapo", "dr_grpo", "cispo")
VARIANTS = FIBER_VARIANTS + CLIP_VARIANTS
# Probe hyperparameters: exact in float32 (a budget held as a float32 tensor is the same number), and none equal to
# a common default, so a loss that hard-codes its own values is caught.
FIBER_HYPER = {"fiberpo_c_pos": 0.125, "fiberpo_c_neg": 0.0625, "fiberpo_eps": 0.03125}
CLIP_HYPER = {
    "ppo": (0.25, 0.25), "grpo": (0.25, 0.25), "dr_grpo": (0.25, 0.25), "dapo": (0.1875, 0.28125),
    "gspo": (0.0003662109375, 0.00048828125), "gspo_token": (0.0003662109375, 0.00048828125), "cispo": (0.25, 1.0),
}
DUAL_CLIP_VARIANTS = ("ppo", "grpo", "dapo", "dr_grpo")  # FiberPO's G <= e^(C+ + 2 eps) never meets a dual clip


def native_mode(variant: str) -> str:
    """The aggregation whose weights are the variant's mu, read from the RGF family (`engine.objectives.family`)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
    return method(variant).native_mode


def default_hyper(variant: str) -> dict:
    """The canonical hyperparameters every probe of `variant` starts from."""
    if variant in FIBER_VARIANTS:
        return dict(FIBER_HYPER)
    if variant not in CLIP_HYPER:
        raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
    low, high = CLIP_HYPER[variant]
    return {"clip_ratio_low": low, "clip_ratio_high": high}


def config_hyper(config) -> GateHyper:
    """Budgets, fiber clip and (FiberPO-Domain) hierarchy ids from a verl-style config."""
    keys = ("fiberpo_c_pos", "fiberpo_c_neg", "fiberpo_eps", "fiberpo_group_ids", "fiberpo_domain_ids")
    return GateHyper(*(config_value(config, key) for key in keys))


def reference_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """log G of FiberPO (eqs 7-16) or FiberPO-Domain (eqs 30-32) from the objectives' reference code."""
    return hyper.parts(log_ratio, mask).log_gate


def sign_zero_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """sign(0) = 0 (eq 13): a zero-log-ratio token belongs to neither channel, so its fiber residual is dropped."""
    parts = hyper.parts(log_ratio, mask)
    residual = fiber_log_residual(parts.same_sign, parts.opposite_sign, hyper.eps)
    return parts.log_gate - torch.where(parts.log_ratio == 0, residual, torch.zeros_like(residual))


def dual_clip(values: Tensor, adv: Tensor, config) -> Tensor:
    """Dual-clip overlay: for A < 0 the per-token loss is capped at -A c (c = clip_ratio_c; absent: no overlay)."""
    c = config_value(config, "clip_ratio_c")
    return values if c is None else torch.where(adv < 0, torch.minimum(values, -adv * c), values)


def finish(values: Tensor, adv: Tensor, mask: Tensor, mode: str, config, rollout_is_weights, reduce: Callable) -> Tensor:
    """Dual clip (if configured), rollout IS weights, then the aggregation `reduce(values, mask, mode, config)`."""
    values = dual_clip(values, adv, config)
    if rollout_is_weights is not None:
        values = values * masked(rollout_is_weights, mask)
    return reduce(values, mask, mode, config)


def fiber_gate(log_gate: Callable, log_ratio: Tensor, mask: Tensor, adv: Tensor, config) -> Tensor:
    """G on non-empty rows (empty rows dropped from every level); `fiberpo_eps_neg` sets eps where A < 0."""
    keep = mask.any(dim=-1)
    hyper = config_hyper(config)
    if hyper.group_ids is not None:
        ids = (torch.as_tensor(hyper.group_ids)[keep.cpu()], torch.as_tensor(hyper.domain_ids)[keep.cpu()])
        hyper = GateHyper(hyper.c_pos, hyper.c_neg, hyper.eps, *(i.to(log_ratio.device) for i in ids))
    rows = keep.nonzero().flatten()
    log_g = log_gate(log_ratio[keep], mask[keep], hyper)
    eps_neg = config_value(config, "fiberpo_eps_neg")
    if eps_neg is not None:
        negative = log_gate(log_ratio[keep], mask[keep], GateHyper(hyper.c_pos, hyper.c_neg, eps_neg,
                                                                   hyper.group_ids, hyper.domain_ids))
        log_g = torch.where(adv[keep] < 0, negative, log_g)
    return torch.zeros_like(log_ratio).index_put((rows,), torch.exp(log_g))


def fiber_loss(log_gate: Callable = reference_log_gate, reduce: Callable | None = None) -> Callable:
    """A FiberPO policy loss with verl's signature, -agg(G A), from a log-gate map (log r, mask, hyper) -> log G
    (aggregated by `reduce`, default verl 0.9's agg_loss)."""
    reduce = reduce or semantics(DEFAULT).aggregate

    def loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="seq-mean-token-mean", config=None,
             rollout_is_weights=None):
        mask = check_mask(response_mask, log_prob.shape, allow_empty_rows=True)
        log_ratio = log_ratio_of(log_prob, old_log_prob, mask)
        adv = broadcast_advantages(advantages, log_prob.shape, mask)
        gate = fiber_gate(log_gate, log_ratio, mask, adv, config)
        return finish(-gate * adv, adv, mask, loss_agg_mode, config, rollout_is_weights, reduce), {}

    return loss


@dataclass(frozen=True)
class ClipGate:
    """How a clip-family gate is formed: the variant, and the options that turn it into a known deviation."""

    variant: str
    use_min: bool = True  # the PPO-style pessimistic min (App. C.4)
    token_level: bool | None = None  # GSPO-token's per-token gradient (None: the variant's own)
    lower_clip: bool = True  # CISPO: clip the IS weight from below too
    stop_gradient: bool = True  # CISPO: sg on the clipped IS weight
    mean_clamp: float | None = None  # GSPO: the trajectory log-ratio clamped from above (verl clamps at 10)

    def gate(self, log_ratio: Tensor, log_prob: Tensor, adv: Tensor, mask: Tensor, config) -> Tensor:
        """The gate times (for CISPO) log pi, per token: PPO / GSPO / CISPO (App. C.4; CISPO eq 3 of its paper)."""
        low, high = (float(config_value(config, key)) for key in ("clip_ratio_low", "clip_ratio_high"))
        if self.variant in ("gspo", "gspo_token"):
            token_level = self.variant == "gspo_token" if self.token_level is None else self.token_level
            if self.mean_clamp is not None:
                return clamped_gspo_gate(log_ratio, adv, mask, low, high, token_level, self.mean_clamp)
            return gspo_gate(log_ratio, adv, mask, eps_low=low, eps_high=high, use_min=self.use_min,
                             token_level=token_level)
        if self.variant == "cispo":
            weight = hard_clip(safe_ratio(log_ratio), 1 - low if self.lower_clip else 0.0, 1 + high)
            return (weight.detach() if self.stop_gradient else weight) * masked(log_prob, mask)
        return ppo_gate(log_ratio, adv, eps_low=low, eps_high=high, use_min=self.use_min)


def clamped_gspo_gate(log_ratio: Tensor, adv: Tensor, mask: Tensor, low: float, high: float, token_level: bool,
                      limit: float) -> Tensor:
    """GSPO's gate (App. C.4) with log s_tau clamped at `limit` from above before exp (a deviation model)."""
    log_s = sequence_log_ratio(log_ratio, mask)[:, None]
    log_s = log_s.detach() + log_ratio - log_ratio.detach() if token_level else log_s.expand_as(log_ratio)
    return pessimistic_clip(torch.exp(log_s.clamp(max=limit)), gspo_sign(adv, mask, token_level), 1 - low, 1 + high,
                            True)


def clip_loss(spec: ClipGate, reduce: Callable | None = None) -> Callable:
    """A clip-family policy loss with verl's signature, -agg(G A) (CISPO: -agg(sg(clip r) A log pi)), aggregated by
    `reduce` (default verl 0.9's agg_loss)."""
    reduce = reduce or semantics(DEFAULT).aggregate

    def loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode=native_mode(spec.variant),
             config=None, rollout_is_weights=None):
        mask = check_mask(response_mask, log_prob.shape, allow_empty_rows=True)
        log_ratio = log_ratio_of(log_prob, old_log_prob, mask)
        adv = broadcast_advantages(advantages, log_prob.shape, mask)
        gate = spec.gate(log_ratio, log_prob, adv, mask, config)
        return finish(-gate * adv, adv, mask, loss_agg_mode, config, rollout_is_weights, reduce), {}

    return loss


def reference_loss(variant: str, semantics_name: str = DEFAULT) -> Callable:
    """The variant's definition as a verl-signature loss, aggregated under the named semantics."""
    reduce = semantics(semantics_name).aggregate
    if variant in FIBER_VARIANTS:
        return fiber_loss(reduce=reduce)
    if variant not in CLIP_VARIANTS:
        raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
    return clip_loss(ClipGate(variant), reduce)


def with_config(loss: Callable, **changes) -> Callable:
    """The loss called with some config keys overridden (a hypothesis about which hyperparameters it really uses)."""

    def changed(**kwargs):
        config = {**(kwargs.get("config") or {}), **{k: v(kwargs["config"]) if callable(v) else v
                                                      for k, v in changes.items()}}
        return loss(**{**kwargs, "config": config})

    return changed


def clamped(loss: Callable, limit: float) -> Callable:
    """The loss with log r clamped to [-limit, limit] before anything else (a log-ratio clamp)."""

    def clamped_loss(**kwargs):
        old = kwargs["old_log_prob"]
        log_prob = old + torch.clamp(kwargs["log_prob"] - old, -limit, limit)
        return loss(**{**kwargs, "log_prob": log_prob})

    return clamped_loss


def fixed_mode(loss: Callable, mode: str) -> Callable:
    """A loss that ignores its loss_agg_mode argument and always aggregates with `mode`."""
    return lambda **kwargs: loss(**{**kwargs, "loss_agg_mode": mode})


def counts_empty_rows(loss: Callable) -> Callable:
    """seq-mean normalisers that count fully masked rows (B, not the non-empty rows; TRL's dr_grpo uses B x L)."""

    def loss_counting_rows(**kwargs):
        config = dict(kwargs.get("config") or {})
        info = dict(config.get("global_batch_info") or {})
        info.setdefault("global_batch_size", kwargs["log_prob"].shape[0])
        return loss(**{**kwargs, "config": {**config, "global_batch_info": info}})

    return loss_counting_rows


def local_normalisers(loss: Callable) -> Callable:
    """A loss that ignores global_batch_info and normalises by its local batch."""
    return lambda **kwargs: loss(**{**kwargs, "config": {k: v for k, v in (kwargs.get("config") or {}).items()
                                                         if k != "global_batch_info"}})


def ignores_rollout_weights(loss: Callable) -> Callable:
    """A loss that never applies rollout_is_weights."""
    return lambda **kwargs: loss(**{**kwargs, "rollout_is_weights": None})
