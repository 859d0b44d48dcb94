"""APC-Obj (Def 3.2 eq 3; Def C.1-C.3, eqs 57-59): per-token clip of r - 1 with a per-state coupled TV budget.

Each valid token is one entry (s, a, tau, t) of the augmented sample space; `state_ids` labels its state s.
The clip bound of an entry is B = T_s delta - sum_{other entries at s} |r - 1| and clip(a, B) := clip(a, -B+, B+).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from fiberpo_check.engine.batch import check_nonnegative, check_positive, segment_sum, token_ids, validated
from fiberpo_check.engine.gates import clip_sym, ratio_deviation
from fiberpo_check.engine.objectives.rgf_method import RGFMethod


@dataclass(frozen=True)
class StateBudget:
    """Per-entry quantities of the APC-Obj clip at the valid tokens (mask order), App. C.2."""

    deviation: Tensor  # [N] r - 1
    state: Tensor  # [N] contiguous state index
    state_count: Tensor  # [N] T_s of the entry's state
    state_tv: Tensor  # [N] D_TV(s) = (1/T_s) sum_{entries at s} |r - 1| (eq 39)
    bound: Tensor  # [N] B = T_s delta - (C1), (C1) = T_s D_TV(s) - |r - 1|


def state_budget(log_ratio: Tensor, mask: Tensor, state_ids: Tensor, delta: float) -> StateBudget:
    """Budget (B), consumptions (C1), (C2) and the clip bound of every entry (eqs 57, 60)."""
    state, n_states = token_ids("state_ids", state_ids, mask)
    deviation = ratio_deviation(log_ratio[mask])
    consumed = segment_sum(deviation.abs(), state, n_states)
    count = segment_sum(torch.ones_like(deviation), state, n_states)
    state_count = count[state]
    bound = state_count * delta - (consumed[state] - deviation.abs())
    return StateBudget(deviation, state, state_count, consumed[state] / state_count, bound)


def coupled_clip(a: Tensor, bound: Tensor) -> Tensor:
    """clip(a, B) := clip(a, -B+, B+) with B+ = max(B, 0) (Def 3.2, p. 5)."""
    return clip_sym(a, bound.clamp(min=0))


def padded(values: Tensor, mask: Tensor, fill: float) -> Tensor:
    """Per-entry values [N] (mask order) back to a [B, T] tensor, `fill` at masked positions."""
    return torch.full(mask.shape, fill, dtype=values.dtype, device=values.device).masked_scatter(mask, values)


def apc_gate(log_ratio: Tensor, mask: Tensor, *, state_ids: Tensor, delta: float) -> Tensor:
    """G_APC(r)_i = clip(r_i - 1, B_i) + 1 for every token, shape [B, T], 1 at masked positions (eq 59)."""
    delta = check_nonnegative("delta", delta)
    log_ratio, mask, _ = validated(log_ratio, mask)
    budget = state_budget(log_ratio, mask, state_ids, delta)
    return padded(coupled_clip(budget.deviation, budget.bound) + 1, mask, 1.0)


def apc_regime(log_ratio: Tensor, mask: Tensor, *, state_ids: Tensor, delta: float) -> Tensor:
    """Clipping regime per token by eqs 61-63: 0 (P) D_TV <= delta, 1 (R), 2 (Z); -1 at masked positions."""
    delta = check_nonnegative("delta", delta)
    log_ratio, mask, _ = validated(log_ratio, mask)
    budget = state_budget(log_ratio, mask, state_ids, delta)
    over = budget.state_tv > delta
    zeroed = over & (budget.deviation.abs() / budget.state_count <= budget.state_tv - delta)
    return padded(over.long() + zeroed.long(), mask, -1)


APC = RGFMethod(
    "apc", "APC-Obj", lambda log_ratio, advantages, mask, **kw: apc_gate(log_ratio, mask, **kw),
    native_mode="token-mean", defaults={"delta": None}, ids=("state_ids",), required=("delta",))
objective = APC.objective  # (1/T) sum_i [clip(r_i - 1, B_i) A_i + A_i] over all sampled tokens (eq 57)


def check_discount(gamma: float) -> float:
    """A discount factor in (0, 1); both delta formulas divide by gamma and vanish at gamma = 1 (Thm 2.1)."""
    gamma = check_positive("gamma", gamma)
    if gamma > 1:
        raise ValueError(f"gamma: expected a discount factor in (0, 1], got {gamma}")
    return gamma


def delta_main_text(aggregate_value: float, adv_inf_norm: float, gamma: float, total_count: int) -> float:
    """delta^(APC-Obj) = (1 - gamma)^2 M / (8 gamma ||A||_inf T), as stated in Def 3.2 (p. 5) and Def C.1 (p. 27).

    Read off the PDF's layout: [(1-gamma)^2 / (8 gamma ||A||_inf)] * [M(A) / T]; T is the total sample count.
    """
    gamma = check_discount(gamma)
    adv_inf_norm, total_count = check_positive("adv_inf_norm", adv_inf_norm), check_positive("total_count", total_count)
    return (1 - gamma) ** 2 * aggregate_value / (8 * gamma * adv_inf_norm * total_count)


def delta_appendix(aggregate_value: float, adv_inf_norm: float, gamma: float) -> float:
    """delta^(APC-Obj) = (1 - gamma) M / (8 gamma ||A||_inf), as stated with eq 72 (Def D.4, p. 36); Thm D.10."""
    gamma = check_discount(gamma)
    adv_inf_norm = check_positive("adv_inf_norm", adv_inf_norm)
    return (1 - gamma) * aggregate_value / (8 * gamma * adv_inf_norm)
