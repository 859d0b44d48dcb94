"""Closed-form Jacobian of the FiberPO ratio gating map (Prop 5.2, eq 20), as per-trajectory blocks."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.gates import g_agg_slope
from fiberpo_check.engine.objectives.fiberpo import FiberParts, fiberpo_parts


def log_jacobian_of(parts: FiberParts, c_pos: float, c_neg: float, eps: float) -> Tensor:
    """The bracket of eq 20, d log G_i / d log r_j per trajectory [B, T, T], from the gate's intermediates."""
    log_ratio, positive = parts.log_ratio, parts.positive
    gamma_pos = g_agg_slope(parts.log_s_pos, c_pos, parts.lengths)
    gamma_neg = g_agg_slope(parts.log_s_neg, c_neg, parts.lengths)
    gamma_j = torch.where(positive, gamma_pos[:, None], gamma_neg[:, None])  # gamma^(l_j)
    u_free = (parts.same_sign.abs() <= eps).to(log_ratio.dtype)  # 1[|u_i| <= eps]
    v_free = (parts.opposite_sign.abs() <= eps).to(log_ratio.dtype)  # 1[|v_i| <= eps]
    same_label = (positive[:, :, None] == positive[:, None, :]).to(log_ratio.dtype)  # 1[l_i = l_j]
    coupling = gamma_j[:, None, :] - u_free[:, :, None] * same_label - v_free[:, :, None] * (1 - same_label)
    eye = torch.eye(log_ratio.shape[1], dtype=log_ratio.dtype, device=log_ratio.device)
    block = u_free[:, :, None] * eye + coupling / parts.lengths[:, None, None]
    valid = (parts.mask[:, :, None] & parts.mask[:, None, :]).to(log_ratio.dtype)
    return block * valid


def fiberpo_log_jacobian(log_ratio: Tensor, mask: Tensor, *, c_pos: float, c_neg: float, eps: float) -> Tensor:
    """d log G_i / d log r_j within each trajectory, shape [B, T, T]: the bracket of eq 20 (zero off-mask)."""
    return log_jacobian_of(fiberpo_parts(log_ratio, mask, c_pos=c_pos, c_neg=c_neg, eps=eps), c_pos, c_neg, eps)


def fiberpo_jacobian(log_ratio: Tensor, mask: Tensor, *, c_pos: float, c_neg: float, eps: float) -> Tensor:
    """J(G)_ij = dG_i / dr_j = (G_i / r_j) * bracket within each trajectory, shape [B, T, T] (eq 20)."""
    parts = fiberpo_parts(log_ratio, mask, c_pos=c_pos, c_neg=c_neg, eps=eps)
    log_jac = log_jacobian_of(parts, c_pos, c_neg, eps)
    return log_jac * torch.exp(parts.log_gate[:, :, None] - parts.log_ratio[:, None, :])
