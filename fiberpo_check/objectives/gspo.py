"""GSPO in RGF form: one clipped geometric-mean ratio s_tau per trajectory (App. C.4), and GSPO-token."""

from __future__ import annotations

from torch import Tensor

from ..aggregation import aggregate
from ..batch import masked
from ..gates import pessimistic_clip, safe_ratio
from .ppo import advantage_sign


def sequence_log_ratio(log_ratio: Tensor, mask: Tensor) -> Tensor:
    """log s_tau = (1/T_tau) sum_t log r_t, the log geometric-mean ratio, shape [B] (App. C.4)."""
    return masked(log_ratio, mask).sum(dim=-1) / mask.sum(dim=-1).clamp(min=1).to(log_ratio.dtype)


def gspo_gate(
    log_ratio: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    eps_low: float = 3e-4,
    eps_high: float | None = 4e-4,
    use_min: bool = True,
    token_level: bool = False,
) -> Tensor:
    """G_GSPO = l_tau min(clip(s_tau, 1 +- eps) l_tau, s_tau l_tau), l_tau = sign(sum_t A) (App. C.4).

    token_level=True is GSPO-token: s_i = sg[s_tau] r_i / sg[r_i], equal in value, per-token gradient.
    """
    eps_high = eps_low if eps_high is None else eps_high
    log_s = sequence_log_ratio(log_ratio, mask)[:, None]
    if token_level:
        log_s = log_s.detach() + log_ratio - log_ratio.detach()
    else:
        log_s = log_s.expand_as(log_ratio)
    sign = advantage_sign(masked(advantages, mask).sum(dim=-1, keepdim=True)).expand_as(log_ratio)
    return pessimistic_clip(safe_ratio(log_s), sign, 1 - eps_low, 1 + eps_high, use_min)


def objective(
    log_ratio: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    eps_low: float = 3e-4,
    eps_high: float | None = 4e-4,
    use_min: bool = True,
    token_level: bool = False,
) -> Tensor:
    """GSPO objective (1/|Tj|) sum_tau (1/T_tau) sum_t G_GSPO_tau A_i (App. C.4, C.5.3)."""
    gate = gspo_gate(
        log_ratio, advantages, mask, eps_low=eps_low, eps_high=eps_high, use_min=use_min, token_level=token_level
    )
    return aggregate(gate * advantages, mask, "seq-mean-token-mean")
