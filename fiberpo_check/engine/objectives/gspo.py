"""GSPO in RGF form: one clipped geometric-mean ratio s_tau per trajectory (App. C.4), and GSPO-token."""

from __future__ import annotations

from torch import Tensor

from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.gates import pessimistic_clip, safe_ratio
from fiberpo_check.engine.objectives.ppo import advantage_sign, ratio_clipped
from fiberpo_check.engine.objectives.rgf_method import RGFMethod


def sequence_log_ratio(log_ratio: Tensor, mask: Tensor) -> Tensor:
    """log s_tau = (1/T_tau) sum_t log r_t, the log geometric-mean ratio, shape [B] (App. C.4)."""
    return masked(log_ratio, mask).sum(dim=-1) / mask.sum(dim=-1).clamp(min=1).to(log_ratio.dtype)


GSPO_HYPER = {"eps_low": 3e-4, "eps_high": 4e-4, "use_min": True, "token_level": False}  # Remark 3.6's budget


def gspo_sign(advantages: Tensor, mask: Tensor, token_level: bool) -> Tensor:
    """The sign of the pessimistic min, [B, T]: l_tau = sign(sum_t A) per trajectory (App. C.4), or per token for
    GSPO-token (GSPO paper, eq 9)."""
    if token_level:
        return advantage_sign(advantages).expand(mask.shape)
    return advantage_sign(masked(advantages, mask).sum(dim=-1, keepdim=True)).expand(mask.shape)


def gspo_gate(
    log_ratio: Tensor,
    advantages: Tensor,
    mask: Tensor,
    *,
    eps_low: float = GSPO_HYPER["eps_low"],
    eps_high: float | None = GSPO_HYPER["eps_high"],
    use_min: bool = GSPO_HYPER["use_min"],
    token_level: bool = GSPO_HYPER["token_level"],
) -> Tensor:
    """G_GSPO = l_tau min(clip(s_tau, 1 +- eps) l_tau, s_tau l_tau), l_tau = sign(sum_t A) (App. C.4).

    token_level=True is GSPO-token (GSPO paper, eq 9): s_i = sg[s_tau] r_i / sg[r_i], equal in value, per-token
    gradient, and the min taken per token with that token's advantage sign.
    """
    eps_high = eps_low if eps_high is None else eps_high
    log_s = sequence_log_ratio(log_ratio, mask)[:, None]
    log_s = log_s.detach() + log_ratio - log_ratio.detach() if token_level else log_s.expand_as(log_ratio)
    return pessimistic_clip(safe_ratio(log_s), gspo_sign(advantages, mask, token_level), 1 - eps_low, 1 + eps_high,
                            use_min)


GSPO = RGFMethod(
    "gspo", "GSPO", gspo_gate, native_mode="seq-mean-token-mean", defaults=GSPO_HYPER,
    clipped=lambda log_ratio, mask, eps_low, eps_high, use_min, token_level: ratio_clipped(
        sequence_log_ratio(log_ratio, mask), eps_low, eps_high))
objective = GSPO.objective  # (1/|Tj|) sum_tau (1/T_tau) sum_t G_GSPO_tau A_i (App. C.4, C.5.3)
