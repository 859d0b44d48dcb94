"""FiberPO-Domain (Def 6.4, eqs 30-33): six gated aggregate terms (domain, group, trajectory per channel)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from fiberpo_check.engine.batch import Hierarchy, check_positive
from fiberpo_check.engine.gates import g_agg
from fiberpo_check.engine.objectives.fiberpo import (
    FIBERPO_HYPER,
    FiberParts,
    channel_aggregates,
    fiber_arguments,
    fiber_log_residual,
    validated,
)
from fiberpo_check.engine.objectives.rgf_method import RGFMethod

LEVELS = ("domain", "group", "trajectory")


def level_budgets(name: str, budget: float | dict) -> dict[str, float]:
    """Per-level budgets {domain, group, trajectory}; a float is the paper's shared budget (eq 31)."""
    if isinstance(budget, dict):
        if set(budget) != set(LEVELS):
            raise ValueError(f"{name}: per-level budgets need exactly the keys {LEVELS}, got {sorted(budget)}")
        return {level: check_positive(f"{name}[{level!r}]", budget[level]) for level in LEVELS}
    value = check_positive(name, budget)
    return dict.fromkeys(LEVELS, value)


@dataclass(frozen=True)
class LevelInputs:
    """Gate inputs of one sign channel at each level, and the token counts that set each rollback slope."""

    domain: Tensor  # log s_D
    group: Tensor  # log s_g - log s_D
    trajectory: Tensor  # log s_tau - log s_g


def level_inputs(log_s: Tensor, hierarchy: Hierarchy) -> LevelInputs:
    """Hierarchical residual drifts of one channel with trajectory-weighted group/domain means (eqs 31, 33)."""
    log_s_group, log_s_domain = hierarchy.level_means(log_s)
    return LevelInputs(log_s_domain, log_s_group - log_s_domain, log_s - log_s_group)


def channel_gate(inputs: LevelInputs, budgets: dict[str, float], counts: dict[str, Tensor]) -> Tensor:
    """Sum over levels of g_agg(level input, C_level, T_level) for one channel (eq 31)."""
    return sum(g_agg(getattr(inputs, level), budgets[level], counts[level]) for level in LEVELS)


def fiberpo_domain_parts(
    log_ratio: Tensor,
    mask: Tensor,
    group_ids: Tensor,
    domain_ids: Tensor,
    *,
    c_pos: float | dict,
    c_neg: float | dict,
    eps: float,
) -> FiberParts:
    """Intermediate quantities of the FiberPO-Domain gate w_base_i * r~_i (eqs 30-33)."""
    budgets_pos, budgets_neg = level_budgets("c_pos", c_pos), level_budgets("c_neg", c_neg)
    eps = check_positive("eps", eps)
    log_ratio, mask, lengths = validated(log_ratio, mask)
    hierarchy = Hierarchy.from_ids(group_ids, domain_ids, log_ratio.shape[0])
    t_group, t_domain = hierarchy.level_token_counts(lengths)
    counts = {"domain": t_domain, "group": t_group, "trajectory": lengths}
    log_s_pos, log_s_neg = channel_aggregates(log_ratio, mask, lengths)
    inputs_pos, inputs_neg = level_inputs(log_s_pos, hierarchy), level_inputs(log_s_neg, hierarchy)
    base = channel_gate(inputs_pos, budgets_pos, counts) - channel_gate(inputs_neg, budgets_neg, counts)
    same_sign, opposite_sign = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    log_gate = base[:, None] + fiber_log_residual(same_sign, opposite_sign, eps)
    base_gates = {
        (channel, level): (getattr(inputs, level), budgets[level], counts[level])
        for channel, inputs, budgets in (("pos", inputs_pos, budgets_pos), ("neg", inputs_neg, budgets_neg))
        for level in LEVELS
    }
    return FiberParts(
        log_ratio, mask, lengths, log_s_pos, log_s_neg, base, same_sign, opposite_sign, log_gate, base_gates
    )


def fiberpo_domain_gate(
    log_ratio: Tensor,
    mask: Tensor,
    group_ids: Tensor,
    domain_ids: Tensor,
    *,
    c_pos: float | dict,
    c_neg: float | dict,
    eps: float,
) -> Tensor:
    """Gated ratios G(r)_i = w_Base_i * r~_i of FiberPO-Domain, shape [B, T] (eqs 30-32)."""
    parts = fiberpo_domain_parts(log_ratio, mask, group_ids, domain_ids, c_pos=c_pos, c_neg=c_neg, eps=eps)
    return torch.exp(parts.log_gate)


FIBERPO_DOMAIN = RGFMethod(
    "fiberpo_domain", "FiberPO-Domain",
    lambda log_ratio, advantages, mask, **kw: fiberpo_domain_gate(log_ratio, mask, **kw),
    native_mode="seq-mean-token-mean", defaults=FIBERPO_HYPER, ids=("group_ids", "domain_ids"),
    parts=fiberpo_domain_parts,
    clipped=lambda log_ratio, mask, group_ids, domain_ids, **hyper: fiberpo_domain_parts(
        log_ratio, mask, group_ids, domain_ids, **hyper).same_sign.abs() > hyper["eps"])
objective = FIBERPO_DOMAIN.objective  # (1/|Tj|) sum_tau (1/T_tau) sum_t G_i A_i (eq 30)
