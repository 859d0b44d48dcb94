"""Fused FiberPO / FiberPO-Domain loss: two token passes forward, one backward, eq 20's per-trajectory sums.

The objective is J = sum_b mu_b sum_t A_bt G_bt (mu_b >= 0: aggregation weight of row b), with the gate
G = w_base * r~ of eqs 7-16 (FiberPO) or eqs 30-32 (FiberPO-Domain). Its gradient (eq 20) is, for a token j of
trajectory b with label l_j and h_i = mu_b A_i G_i,
  dJ/dlog r_j = h_j 1[|u_j| <= eps] + (l_j / T_b) [dJ/dlog s^(l_j)]_b,
where dJ/dlog s+- collects the base-weight path (`vjp` of the base weight) and the fiber path (per-row sums of
h over the free tokens of each sign, and over all tokens of the opposite sign). Every row sum is known at the
end of the forward pass (J is a scalar), so the backward is a single elementwise pass over saved free h and
labels. The base weight is a per-row factor, h = mu w_base A r~, so the token passes need only each row's own
moments log s+- and compile into one loop over rows (the row stays in cache between its two passes); the
cross-row base weight (FiberPO-Domain's group and domain means) scales the row sums afterwards. The readable
specification is `objectives.fiberpo`; tests hold the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from fiberpo_check.engine.batch import Hierarchy
from fiberpo_check.engine.gates import LOG_RATIO_LIMIT, clip_sym, g_agg_slope
from fiberpo_check.engine.objectives.fiberpo_domain import LEVELS


def base_gate(x: Tensor, c: float | Tensor, k: float | Tensor) -> Tensor:
    """g_agg(x, C, k) (eq 10) as x less (k + 1) times its excess over C, zero once the excess reaches C/k; written
    apart from gates.g_agg and the reference base weight, so the tests tying the fused loss to them can catch either."""
    excess = torch.clamp(x.abs() - c, min=0)
    return torch.where(excess * k < c, x - (k + 1) * torch.sign(x) * excess, torch.zeros_like(x))


@dataclass(frozen=True)
class TrajectoryBase:
    """FiberPO base weight log w_tau = g_agg(log s+, C+, T) - g_agg(log s-, C-, T) (eq 8)."""

    lengths: Tensor
    c_pos: float | Tensor
    c_neg: float | Tensor

    def __call__(self, log_s_pos: Tensor, log_s_neg: Tensor) -> Tensor:
        return base_gate(log_s_pos, self.c_pos, self.lengths) - base_gate(log_s_neg, self.c_neg, self.lengths)

    def vjp(self, log_s_pos: Tensor, log_s_neg: Tensor, grad: Tensor) -> tuple[Tensor, Tensor]:
        """grad * d log w / d log s+-, with the slopes gamma+- of eq 20."""
        return grad * g_agg_slope(log_s_pos, self.c_pos, self.lengths), -grad * g_agg_slope(log_s_neg, self.c_neg, self.lengths)

    def gates(self, log_s_pos: Tensor, log_s_neg: Tensor) -> dict:
        """{(channel, level): (gate input, C, k)} of every g_agg term, for metrics."""
        return {
            ("pos", "trajectory"): (log_s_pos, self.c_pos, self.lengths),
            ("neg", "trajectory"): (log_s_neg, self.c_neg, self.lengths),
        }


@dataclass(frozen=True)
class HierarchyBase:
    """FiberPO-Domain base weight: domain, group and trajectory g_agg terms per channel (eqs 31, 33)."""

    hierarchy: Hierarchy
    counts: dict
    budgets_pos: dict
    budgets_neg: dict

    @classmethod
    def of(cls, hierarchy: Hierarchy, lengths: Tensor, budgets_pos: dict, budgets_neg: dict) -> "HierarchyBase":
        """Token counts T_D, T_g, T_tau of every trajectory's levels (Def 6.4) bound to the budgets (as tensors)."""
        t_group, t_domain = hierarchy.level_token_counts(lengths)
        pos, neg = ({k: torch.as_tensor(v, dtype=lengths.dtype) for k, v in b.items()} for b in (budgets_pos, budgets_neg))
        return cls(hierarchy, {"domain": t_domain, "group": t_group, "trajectory": lengths}, pos, neg)

    @property
    def lengths(self) -> Tensor:
        """Trajectory lengths T_tau."""
        return self.counts["trajectory"]

    def level_inputs(self, log_s: Tensor) -> dict[str, Tensor]:
        """One channel's level inputs: domain mean, group mean less domain mean, own less group mean (eqs 31, 33)."""
        group, domain = self.hierarchy.level_means(log_s)
        return {"domain": domain, "group": group - domain, "trajectory": log_s - group}

    def channel(self, log_s: Tensor, budgets: dict) -> Tensor:
        """Sum over levels of g_agg(level input, C_level, T_level) for one channel (eq 31)."""
        inputs = self.level_inputs(log_s)
        return sum(base_gate(inputs[level], budgets[level], self.counts[level]) for level in LEVELS)

    def __call__(self, log_s_pos: Tensor, log_s_neg: Tensor) -> Tensor:
        return self.channel(log_s_pos, self.budgets_pos) - self.channel(log_s_neg, self.budgets_neg)

    def channel_vjp(self, log_s: Tensor, budgets: dict, grad: Tensor) -> Tensor:
        """grad-weighted derivative of one channel's three terms; the level means are self-adjoint (eq 33)."""
        inputs = self.level_inputs(log_s)
        slope = {level: grad * g_agg_slope(inputs[level], budgets[level], self.counts[level]) for level in LEVELS}
        group_mean = self.hierarchy.level_means(slope["group"] - slope["trajectory"])[0]
        domain_mean = self.hierarchy.level_means(slope["domain"] - slope["group"])[1]
        return slope["trajectory"] + group_mean + domain_mean

    def vjp(self, log_s_pos: Tensor, log_s_neg: Tensor, grad: Tensor) -> tuple[Tensor, Tensor]:
        """grad * d log w_Base / d log s+- across each trajectory's group and domain."""
        return self.channel_vjp(log_s_pos, self.budgets_pos, grad), -self.channel_vjp(log_s_neg, self.budgets_neg, grad)

    def gates(self, log_s_pos: Tensor, log_s_neg: Tensor) -> dict:
        """{(channel, level): (gate input, C, k)} of every g_agg term, for metrics."""
        channels = (("pos", log_s_pos, self.budgets_pos), ("neg", log_s_neg, self.budgets_neg))
        inputs = {channel: self.level_inputs(log_s) for channel, log_s, _ in channels}
        return {
            (channel, level): (inputs[channel][level], budgets[level], self.counts[level])
            for channel, _, budgets in channels
            for level in LEVELS
        }


@dataclass(frozen=True)
class FiberStats:
    """Per-trajectory statistics of one forward pass, for the gate metrics (meaningless on empty rows)."""

    log_s_pos: Tensor  # eq 9
    log_s_neg: Tensor  # eq 9
    base_log_weight: Tensor  # log w_base
    clipped: Tensor  # valid tokens whose same-sign argument l_i u_i left [-eps, eps]
    positive: Tensor  # valid tokens with l_i = +1
    ratio_sum: Tensor  # sum of r_i = exp(log r_i) (log r clamped to +-20) over valid tokens


def fused_channel_aggregates(log_ratio: Tensor, mask: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """log s+- = (sum |log r| +- sum log r) / (2 T) per row over the valid tokens (eq 9)."""
    masked = torch.where(mask, log_ratio, 0)
    total, absolute = masked.sum(dim=-1), masked.abs().sum(dim=-1)
    return (absolute + total) / (2 * lengths), (absolute - total) / (2 * lengths)


def row_select(labels: Tensor, negative: Tensor, positive: Tensor) -> Tensor:
    """Per token, its row's `positive` [B, 1] where the label is 1, else `negative` (an FMA, not a where)."""
    return torch.addcmul(negative, labels, positive - negative)


def fused_token_terms(log_ratio, advantages, mask, log_s_pos: Tensor, log_s_neg: Tensor, eps: float):
    """h / (mu w_base) = A r~ per token (eqs 14-16) with its free part (|u| <= eps), the labels 1[l = +1], seven row sums.

    log s+- are [B, 1]; l u = log r - (log s+ or -log s-) and log r~ = clip(l u) - clip(v), v the opposite
    argument, so the pass needs only its own row's moments. Row sums over valid tokens: A r~, free A r~,
    positive A r~, positive free A r~, free and positive counts, r = exp(min(log r, 20)). The mask selects
    after each exponential (a masked select feeding an exponential compiles several times slower). Labels are
    0/1 floats, not masked, so row selections are fused multiply-adds (Inductor's bool and int8 stores, and
    masked stores, are slow).
    """
    labels = (log_ratio >= 0).to(log_ratio.dtype)  # sign(0) := +1
    same_sign = log_ratio - row_select(labels, -log_s_neg, log_s_pos)
    opposite = row_select(labels, clip_sym(log_s_pos, eps), clip_sym(-log_s_neg, eps))
    free = (same_sign.abs() <= eps) & mask
    weighted = torch.where(mask, clip_sym(same_sign, eps).sub_(opposite).exp_().mul_(advantages), 0)
    free_part = torch.where(free, weighted, 0)
    ratio = torch.where(mask, log_ratio.clamp(max=LOG_RATIO_LIMIT).exp_(), 0)
    counts = [free.to(log_ratio.dtype), torch.where(mask, labels, 0)]
    sums = [weighted, free_part, weighted * labels, free_part * labels] + counts + [ratio]
    return free_part, labels, torch.stack([x.sum(dim=-1) for x in sums])


def token_gradient(free_part: Tensor, labels: Tensor, mask: Tensor, row_pos: Tensor, row_neg: Tensor, scale: Tensor):
    """dJ/dlog r = scale * free A r~ + (row term of the token's sign channel), zero where masked (eq 20)."""
    return torch.where(mask, row_select(labels, row_neg, row_pos).addcmul_(free_part, scale), 0)


def fiber_forward(log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps: float):
    """J, what the backward needs (free A r~, labels, per-row quantities [8, B]) and the FiberStats rows [6, B]."""
    log_ratio = log_prob - old_log_prob  # arbitrary where masked: every use below selects by the mask
    log_s_pos, log_s_neg = fused_channel_aggregates(log_ratio, mask, lengths)
    free_part, labels, sums = fused_token_terms(log_ratio, advantages, mask, log_s_pos[:, None], log_s_neg[:, None], eps)
    base = base_fn(log_s_pos, log_s_neg)
    row_scale = row_weight * torch.exp(base)  # mu w_base: h = row_scale * A r~
    sum_all, sum_free, sum_pos, sum_free_pos = sums[:4] * row_scale
    free_count, positive_count, ratio_sum = sums[4:]
    stats = torch.stack([log_s_pos, log_s_neg, base, lengths - free_count, positive_count, ratio_sum])
    rows = torch.stack([log_s_pos, log_s_neg, lengths, row_scale, sum_all, sum_free, sum_pos, sum_free_pos])
    return sum_all.sum(), free_part, labels, rows, stats


def fiber_backward(grad_objective, free_part, labels, mask, rows, base_fn, eps: float):
    """dJ/dlog r (eq 20): per-trajectory terms of both channels, then one pass over the tokens."""
    log_s_pos, log_s_neg, lengths, row_scale, sum_all, sum_free, sum_pos, sum_free_pos = rows
    base_pos, base_neg = base_fn.vjp(log_s_pos, log_s_neg, sum_all)
    sum_neg, sum_free_neg = sum_all - sum_pos, sum_free - sum_free_pos
    opposite_free_pos = (log_s_neg.abs() <= eps).to(sum_all.dtype)  # |v| <= eps for l = +1 (v = -log s-)
    opposite_free_neg = (log_s_pos.abs() <= eps).to(sum_all.dtype)  # |v| <= eps for l = -1 (v = -log s+)
    d_log_s_pos = base_pos - sum_free_pos - opposite_free_neg * sum_neg
    d_log_s_neg = base_neg + sum_free_neg + opposite_free_pos * sum_pos
    row_pos = (grad_objective * d_log_s_pos / lengths)[:, None]
    row_neg = (-grad_objective * d_log_s_neg / lengths)[:, None]
    return token_gradient(free_part, labels, mask, row_pos, row_neg, (grad_objective * row_scale)[:, None])


@dataclass(frozen=True)
class Passes:
    """Forward and backward of the fused objective: eager, or each compiled into one graph."""

    forward: Callable
    backward: Callable


EAGER = Passes(fiber_forward, fiber_backward)
COMPILED = Passes(torch.compile(fiber_forward, dynamic=None), torch.compile(fiber_backward, dynamic=None))


class FiberObjective(torch.autograd.Function):
    """J = sum_b mu_b sum_t A G (eqs 6, 7) with the one-pass backward of eq 20; old log-probs get -dJ/dlog pi.

    (1) The passes see detached inputs: Inductor compiles a slower forward for inputs that require grad, even
    under no_grad.
    """

    @staticmethod
    def forward(ctx, log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps, passes):
        inputs = [x.detach() for x in (log_prob, old_log_prob, advantages)] + [mask, row_weight, lengths]  # (1)
        objective, free_part, labels, rows, stats = passes.forward(*inputs, base_fn, eps)
        ctx.save_for_backward(free_part, labels, mask, rows)
        ctx.base_fn, ctx.eps, ctx.passes = base_fn, eps, passes
        ctx.mark_non_differentiable(stats)
        return objective, stats

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_objective, grad_stats):
        grad = ctx.passes.backward(grad_objective, *ctx.saved_tensors, ctx.base_fn, ctx.eps)
        grad_old = -grad if ctx.needs_input_grad[1] else None
        return grad, grad_old, None, None, None, None, None, None, None


def fiber_objective(log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps: float, compiled=False):
    """(J, stats [6, B] in FiberStats order); mu = row_weight >= 0, mask bool, advantages [B, T] or [B, 1]."""
    passes = COMPILED if compiled else EAGER
    return FiberObjective.apply(log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps, passes)
