"""GRPO in RGF form: the PPO gate with trajectory-normalised weights 1/(|Tj| T_tau) (App. C.4)."""

from __future__ import annotations

from torch import Tensor

from ..aggregation import aggregate
from .ppo import ppo_gate


def objective(
    log_ratio: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    eps_low: float = 0.2,
    eps_high: float | None = None,
    use_min: bool = True,
) -> Tensor:
    """GRPO objective (1/|Tj|) sum_tau (1/T_tau) sum_t G_PPO(r)_i A_i (App. C.4, C.5.2)."""
    gate = ppo_gate(log_ratio, advantages, eps_low=eps_low, eps_high=eps_high, use_min=use_min)
    return aggregate(gate * advantages, mask, "seq-mean-token-mean")
