"""FiberPO (Def 5.1, eqs 6-16): trajectory base weight times the sign-channel gated residual.

Sign convention for eq 13: l_i = +1 when log r_i >= 0 (sign(0) := +1). The gate's value does not depend
on this choice (clip is odd, so both labels give clip(log s-) - clip(log s+) at log r_i = 0); only the
one-sided derivative at log r_i = 0 does, and this module differentiates consistently with l_i = +1.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from fiberpo_check.engine.batch import check_positive, masked, validated
from fiberpo_check.engine.gates import clip_sym, g_agg
from fiberpo_check.engine.objectives.rgf_method import RGFMethod


@dataclass(frozen=True)
class FiberParts:
    """Intermediate quantities of the FiberPO gate, for metrics, Jacobians and checks."""

    log_ratio: Tensor  # [B, T], zero at masked positions
    mask: Tensor  # [B, T] bool
    lengths: Tensor  # [B] T_tau
    log_s_pos: Tensor  # [B] eq 9
    log_s_neg: Tensor  # [B] eq 9
    base_log_weight: Tensor  # [B] or [B, 1]-broadcastable log w_base
    same_sign: Tensor  # [B, T] l_i u_i, numerator argument (eq 14)
    opposite_sign: Tensor  # [B, T] l_i v_i, denominator argument (eq 15)
    log_gate: Tensor  # [B, T] log G_i
    base_gates: dict  # {(channel, level): (gate input [B], budget C, count k [B])} of every g_agg term

    @property
    def positive(self) -> Tensor:
        """Sign label l_i = +1 (eq 13, sign(0) := +1)."""
        return self.log_ratio >= 0


def sign_label(log_ratio: Tensor) -> Tensor:
    """l_i = sign(log r_i) in {+1, -1} with sign(0) := +1 (eq 13)."""
    return torch.where(log_ratio >= 0, 1.0, -1.0).to(log_ratio.dtype)


def channel_aggregates(log_ratio: Tensor, mask: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """log s+_tau and log s-_tau: per-trajectory means of max(l, 0) and max(-l, 0) (eq 9)."""
    positive = log_ratio >= 0
    zero = torch.zeros((), dtype=log_ratio.dtype, device=log_ratio.device)
    pos = masked(torch.where(positive, log_ratio, zero), mask)
    neg = masked(torch.where(positive, zero, -log_ratio), mask)
    return pos.sum(dim=-1) / lengths, neg.sum(dim=-1) / lengths


def base_log_weight(log_s_pos: Tensor, log_s_neg: Tensor, lengths: Tensor, c_pos: float, c_neg: float) -> Tensor:
    """log w_tau = g_agg(log s+, C+, T) - g_agg(log s-, C-, T) (eq 8)."""
    return g_agg(log_s_pos, c_pos, lengths) - g_agg(log_s_neg, c_neg, lengths)


def fiber_arguments(log_ratio: Tensor, log_s_pos: Tensor, log_s_neg: Tensor) -> tuple[Tensor, Tensor]:
    """l_i u_i = log r_i - l_i log s^(l_i) and l_i v_i = -l_i log s^(-l_i) (eqs 14, 15)."""
    positive = log_ratio >= 0
    s_pos, s_neg = log_s_pos[:, None], log_s_neg[:, None]
    same_sign = log_ratio - torch.where(positive, s_pos, -s_neg)
    opposite_sign = torch.where(positive, -s_neg, s_pos)
    return same_sign, opposite_sign


def fiber_log_residual(same_sign: Tensor, opposite_sign: Tensor, eps: float) -> Tensor:
    """log r~_i = clip(l_i u_i, +-eps) - clip(l_i v_i, +-eps) (eq 16)."""
    return clip_sym(same_sign, eps) - clip_sym(opposite_sign, eps)


def fiberpo_parts(log_ratio: Tensor, mask: Tensor, *, c_pos: float, c_neg: float, eps: float) -> FiberParts:
    """All intermediate quantities of the FiberPO gating map G = w_base * r~ (eqs 7-16)."""
    c_pos, c_neg, eps = check_positive("c_pos", c_pos), check_positive("c_neg", c_neg), check_positive("eps", eps)
    log_ratio, mask, lengths = validated(log_ratio, mask)
    log_s_pos, log_s_neg = channel_aggregates(log_ratio, mask, lengths)
    base = base_log_weight(log_s_pos, log_s_neg, lengths, c_pos, c_neg)
    same_sign, opposite_sign = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    log_gate = base[:, None] + fiber_log_residual(same_sign, opposite_sign, eps)
    base_gates = {("pos", "trajectory"): (log_s_pos, c_pos, lengths), ("neg", "trajectory"): (log_s_neg, c_neg, lengths)}
    return FiberParts(
        log_ratio, mask, lengths, log_s_pos, log_s_neg, base, same_sign, opposite_sign, log_gate, base_gates
    )


def fiberpo_gate(log_ratio: Tensor, mask: Tensor, *, c_pos: float, c_neg: float, eps: float) -> Tensor:
    """Gated ratios G(r)_i = w_base_tau * r~_i for every token, shape [B, T] (eq 7)."""
    return torch.exp(fiberpo_parts(log_ratio, mask, c_pos=c_pos, c_neg=c_neg, eps=eps).log_gate)


FIBERPO_HYPER = {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}  # the toolkit's default budgets (C- < C+, eps << delta)

FIBERPO = RGFMethod(
    "fiberpo", "FiberPO", lambda log_ratio, advantages, mask, **hyper: fiberpo_gate(log_ratio, mask, **hyper),
    native_mode="seq-mean-token-mean", defaults=FIBERPO_HYPER, parts=fiberpo_parts,
    clipped=lambda log_ratio, mask, **hyper: fiberpo_parts(log_ratio, mask, **hyper).same_sign.abs() > hyper["eps"])
objective = FIBERPO.objective  # (1/|Tj|) sum_tau (1/T_tau) sum_t G_i A_i (eq 6)
