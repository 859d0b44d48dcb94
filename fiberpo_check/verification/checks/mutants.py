"""Negative controls: deliberately wrong FiberPO log-gates (eqs 7-16), each breaking one Jacobian property."""

from __future__ import annotations

import torch
from torch import Tensor

from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.objectives.fiberpo import (
    base_log_weight,
    channel_aggregates,
    fiber_arguments,
    fiber_log_residual,
    validated,
)
from fiberpo_check.verification.checks.jacobian_probes import GateHyper, LogGateMap


def assembled_log_gate(log_ratio: Tensor, mask: Tensor, hyper: GateHyper, *, aggregates=lambda pos, neg: (pos, neg),
                       slope_count=lambda lengths: lengths, opposite=lambda v: v) -> Tensor:
    """log G of eqs 7-16 with one ingredient replaced: the channel aggregates (eq 9), the count k of the rollback
    slope -k (eq 10) or the opposite-sign argument of the fiber residual (eqs 11, 15)."""
    log_ratio, mask, lengths = validated(log_ratio, mask)
    log_s_pos, log_s_neg = aggregates(*channel_aggregates(log_ratio, mask, lengths))
    base = base_log_weight(log_s_pos, log_s_neg, slope_count(lengths), hyper.c_pos, hyper.c_neg)
    same, opposite_sign = fiber_arguments(log_ratio, log_s_pos, log_s_neg)
    return masked(base[:, None] + fiber_log_residual(same, opposite(opposite_sign), hyper.eps), mask)


def detached_aggregates(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """log s+- under stop-gradient: values right, trajectory coupling of eq 20 missing."""
    return assembled_log_gate(log_ratio, mask, hyper, aggregates=lambda pos, neg: (pos.detach(), neg.detach()))


def batch_pooled_aggregates(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """Channel aggregates pooled over the whole batch instead of per trajectory: couples trajectories."""
    return assembled_log_gate(log_ratio, mask, hyper,
                              aggregates=lambda pos, neg: (pos.mean().expand_as(pos), neg.mean().expand_as(neg)))


def unit_rollback_slope(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """g_agg with rollback slope -1 instead of -T_tau (eq 10 with k = 1)."""
    return assembled_log_gate(log_ratio, mask, hyper, slope_count=torch.ones_like)


def missing_opposite_factor(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> Tensor:
    """Fiber residual without the opposite-sign denominator of eq 11: not the identity at on-policy."""
    return assembled_log_gate(log_ratio, mask, hyper, opposite=torch.zeros_like)


MUTANTS = {
    "detached_aggregates": (detached_aggregates, "eq20"),
    "batch_pooled_aggregates": (batch_pooled_aggregates, "block_diagonal"),
    "unit_rollback_slope": (unit_rollback_slope, "eq20"),
    "missing_opposite_factor": (missing_opposite_factor, "identity_at_on_policy"),
}


def mutant_map(name: str, mask: Tensor, hyper: GateHyper) -> LogGateMap:
    """The mutated log-gate map of `name` on a fixed mask."""
    if name not in MUTANTS:
        raise ValueError(f"name: {name!r} is not one of {sorted(MUTANTS)}")
    gate = MUTANTS[name][0]
    return lambda log_ratio: gate(log_ratio, mask, hyper)
