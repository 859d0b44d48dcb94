"""PPO in RGF form: token-wise clip with the min, weights mu = n_sa / T (App. C.4)."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.gates import pessimistic_clip, safe_ratio
from fiberpo_check.engine.objectives.rgf_method import RGFMethod


def advantage_sign(advantages: Tensor) -> Tensor:
    """sign(A) with sign(0) := +1 (the gate value is irrelevant where A = 0)."""
    return torch.where(advantages >= 0, 1.0, -1.0).to(advantages.dtype)


PPO_HYPER = {"eps_low": 0.2, "eps_high": None, "use_min": True}


def ppo_gate(
    log_ratio: Tensor,
    advantages: Tensor,
    *,
    eps_low: float = PPO_HYPER["eps_low"],
    eps_high: float | None = PPO_HYPER["eps_high"],
    use_min: bool = PPO_HYPER["use_min"],
) -> Tensor:
    """G_PPO = sign(A) min(clip(r, 1-eps_low, 1+eps_high) sign(A), r sign(A)) per token (App. C.4)."""
    eps_high = eps_low if eps_high is None else eps_high
    return pessimistic_clip(safe_ratio(log_ratio), advantage_sign(advantages), 1 - eps_low, 1 + eps_high, use_min)


def ratio_clipped(log_ratio: Tensor, eps_low: float, eps_high: float | None) -> Tensor:
    """Where r lies outside [1 - eps_low, 1 + eps_high] (eps_high None: eps_low), the PPO clip interval (App. C.4)."""
    ratio = safe_ratio(log_ratio)
    return (ratio < 1 - eps_low) | (ratio > 1 + (eps_low if eps_high is None else eps_high))


PPO = RGFMethod(
    "ppo", "PPO", lambda log_ratio, advantages, mask, **hyper: ppo_gate(log_ratio, advantages, **hyper),
    native_mode="token-mean", defaults=PPO_HYPER,
    clipped=lambda log_ratio, mask, eps_low, eps_high, use_min: ratio_clipped(log_ratio, eps_low, eps_high))
objective = PPO.objective  # sum_i (1/T) G_PPO(r)_i A_i over all sampled tokens (App. C.4)
