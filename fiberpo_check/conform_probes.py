"""Crafted verl-style probe batches for the conformance checker: every regime, lengths, masks, zero log-ratios."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from .checks.probe_batches import REGIMES, hierarchy_ids, mixed_regime_batch, padded_mask, regime_batch

VARIANTS = ("fiberpo", "fiberpo_domain")
HYPER = {"fiberpo_c_pos": 0.12, "fiberpo_c_neg": 0.08, "fiberpo_eps": 0.02}
LOGCLIP_EPS = 0.2  # wide enough that logclip [e^-eps, e^eps] and a ratio clip [1-eps, 1+eps] differ by ~eps^2/2
NEAR_ON_POLICY = 1e-4  # inside the identity neighbourhood (G = r exactly) of every probe


@dataclass
class Probe:
    """One call's inputs in verl's policy-loss signature (log_prob is the tensor differentiated)."""

    family: str
    name: str
    old_log_prob: Tensor
    log_prob: Tensor
    advantages: Tensor
    response_mask: Tensor
    config: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """family/name, as printed in counterexamples."""
        return f"{self.family}/{self.name}"


def base_config(variant: str, n_rows: int, device: str) -> dict:
    """Hyperparameters in the toolkit's config keys; FiberPO-Domain gets groups of 2 and domains of 2 groups."""
    if variant not in VARIANTS:
        raise ValueError(f"variant: {variant!r} is not one of {VARIANTS}")
    config = dict(HYPER)
    if variant == "fiberpo_domain":
        group, domain = hierarchy_ids(n_rows, 2, 2)
        config |= {"fiberpo_group_ids": group.to(device), "fiberpo_domain_ids": domain.to(device)}
    return config


def make_probe(family: str, name: str, log_ratio: Tensor, mask: Tensor, variant: str, *, seed: int, dtype, device,
               old_log_prob: Tensor | None = None, token_advantages: bool = False) -> Probe:
    """Wrap log-ratios into (old_log_prob, log_prob = old + log r, advantages, mask, config)."""
    gen = torch.Generator().manual_seed(seed)
    shape = mask.shape
    if old_log_prob is None:
        old_log_prob = -0.1 - 3 * torch.rand(shape, generator=gen, dtype=torch.float64)
    adv_shape = shape if token_advantages else shape[:1]
    advantages = torch.randn(adv_shape, generator=gen, dtype=torch.float64)
    log_prob = torch.where(mask, old_log_prob + log_ratio, old_log_prob)

    def put(x: Tensor) -> Tensor:
        return x.to(device=device, dtype=dtype)

    return Probe(family, name, put(old_log_prob), put(log_prob), put(advantages), mask.to(device),
                 base_config(variant, shape[0], device))


def constant_trajectory(value: float, length: int) -> tuple[Tensor, Tensor]:
    """One trajectory whose every token has log-ratio `value` (base gate input = |value|, fiber residual 0)."""
    return torch.full((1, length), value, dtype=torch.float64), torch.ones(1, length, dtype=torch.bool)


def probe_families(variant: str, *, dtype=torch.float64, device: str = "cpu", seed: int = 0) -> dict[str, list[Probe]]:
    """All probe families by name: on_policy, regimes, long_short, zero_log_ratio, logclip, masks, aggregation.

    Only the zero_log_ratio family holds tokens with log r exactly 0 (where the sign(0) convention matters).
    """
    c_pos, c_neg = HYPER["fiberpo_c_pos"], HYPER["fiberpo_c_neg"]
    lengths = torch.tensor([2, 5, 17, 9, 1, 33, 4, 12])
    kw = {"dtype": dtype, "device": device}
    families: dict[str, list[Probe]] = {}
    families["on_policy"] = [
        make_probe("on_policy", f"{kind}-advantages",
                   torch.zeros(len(lengths), int(lengths.max()), dtype=torch.float64), padded_mask(lengths),
                   variant, seed=seed + i, token_advantages=kind == "token", **kw)
        for i, kind in enumerate(("trajectory", "token"))
    ]
    gen = torch.Generator().manual_seed(seed + 2)
    near = NEAR_ON_POLICY * torch.randn(len(lengths), int(lengths.max()), generator=gen, dtype=torch.float64)
    families["on_policy"].append(make_probe("on_policy", f"mixed-sign drift {NEAR_ON_POLICY:g}", near,
                                            padded_mask(lengths), variant, seed=seed + 3, token_advantages=True, **kw))
    families["regimes"] = [
        make_probe("regimes", f"{pos}+/{neg}-",
                   *regime_batch(pos, neg, lengths, c_pos=c_pos, c_neg=c_neg, seed=seed + 10 * i, zero_frac=0.0),
                   variant,
                   seed=seed + 10 * i + 1, **kw)
        for i, (pos, neg) in enumerate((p, n) for p in REGIMES for n in REGIMES)
    ]
    long_short = torch.tensor([1, 1, 2, 300, 3, 700, 2, 1])
    families["long_short"] = [
        make_probe("long_short", "lengths 1..700",
                   *mixed_regime_batch(long_short, c_pos=c_pos, c_neg=c_neg, seed=seed + 3, zero_frac=0.0),
                   variant, seed=seed + 4, **kw)
    ]
    zero_ratio, zero_mask = mixed_regime_batch(lengths, c_pos=c_pos, c_neg=c_neg, seed=seed + 5)
    gen = torch.Generator().manual_seed(seed + 6)
    zero_ratio = torch.where(torch.rand(zero_ratio.shape, generator=gen) < 0.3, 0.0, zero_ratio)
    families["zero_log_ratio"] = [
        make_probe("zero_log_ratio", "30% exact zeros", zero_ratio, zero_mask, variant, seed=seed + 7,
                   old_log_prob=torch.zeros(zero_ratio.shape, dtype=torch.float64), **kw)
    ]
    families["logclip"] = [
        make_probe("logclip", f"saturated fiber clips ({pos}+, eps={LOGCLIP_EPS})",
                   *regime_batch(pos, "pass", lengths, c_pos=c_pos, c_neg=c_neg, seed=seed + 20 + i, spread=2.0,
                                 zero_frac=0.0), variant, seed=seed + 21 + i, **kw)
        for i, pos in enumerate(("pass", "zeroed"))
    ]
    for probe in families["logclip"]:
        probe.config["fiberpo_eps"] = LOGCLIP_EPS
    families["masks"] = masked_garbage_probes(variant, seed=seed + 30, **kw)
    families["aggregation"] = aggregation_probes(variant, seed=seed + 40, **kw)
    return families


def masked_garbage_probes(variant: str, *, seed: int, dtype, device) -> list[Probe]:
    """Ragged batches with NaN / huge values at masked positions and one fully masked row."""
    lengths = torch.tensor([3, 8, 1, 6, 2, 8, 5, 4])
    log_ratio, mask = mixed_regime_batch(lengths, c_pos=HYPER["fiberpo_c_pos"], c_neg=HYPER["fiberpo_c_neg"], seed=seed,
                                         zero_frac=0.0)
    probes = []
    for name, garbage in (("NaN padding", float("nan")), ("1e30 padding", 1e30)):
        probe = make_probe("masks", name, log_ratio, mask, variant, seed=seed + 1, token_advantages=True,
                           dtype=dtype, device=device)
        pad = ~probe.response_mask
        probe.log_prob = probe.log_prob.masked_fill(pad, garbage)
        probe.old_log_prob = probe.old_log_prob.masked_fill(pad, garbage)
        probe.advantages = probe.advantages.masked_fill(pad, garbage)
        probes.append(probe)
    empty = mask.clone()
    empty[2] = False
    probes.append(make_probe("masks", "fully masked row", log_ratio, empty, variant, seed=seed + 2, dtype=dtype,
                             device=device))
    return probes


def aggregation_probes(variant: str, *, seed: int, dtype, device) -> list[Probe]:
    """Ragged batch padded wider than its longest row, alone and with verl's global_batch_info normalisers."""
    lengths = torch.tensor([2, 9, 4, 1, 7, 3, 6, 5])
    log_ratio, mask = mixed_regime_batch(lengths, c_pos=HYPER["fiberpo_c_pos"], c_neg=HYPER["fiberpo_c_neg"], seed=seed,
                                         zero_frac=0.0)
    log_ratio = torch.cat([log_ratio, torch.zeros(len(lengths), 3, dtype=torch.float64)], dim=1)
    mask = torch.cat([mask, torch.zeros(len(lengths), 3, dtype=torch.bool)], dim=1)
    local = make_probe("aggregation", "ragged, padded wider", log_ratio, mask, variant, seed=seed + 1, dtype=dtype,
                       device=device)
    info = make_probe("aggregation", "global_batch_info", log_ratio, mask, variant, seed=seed + 1, dtype=dtype,
                      device=device)
    info.config["global_batch_info"] = {"dp_size": 2, "batch_num_tokens": 100, "global_batch_size": 16,
                                        "loss_scale_factor": 32}
    return [local, info]


def rollback_and_zeroing_cases(c_pos: float, c_neg: float) -> list[dict]:
    """Constant trajectories in each channel's rollback band (expected slope of log G: -T l) and zeroed band."""
    cases = []
    for length in (3, 40):
        for channel, budget, sign in (("positive", c_pos, 1.0), ("negative", c_neg, -1.0)):
            rollback = budget * (1 + 0.5 / length)
            zeroed = budget * (1 + 1 / length) * 1.5
            cases.append({"length": length, "channel": channel, "sign": sign, "rollback_x": rollback,
                          "zeroed_x": zeroed, "width": budget / length})
    return cases
