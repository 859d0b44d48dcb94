"""Fused FiberPO / FiberPO-Domain loss: two token passes forward, one backward, eq 20's per-trajectory sums.

The objective is J = sum_b mu_b sum_t A_bt G_bt (mu_b >= 0: aggregation weight of row b), with the gate
G = w_base * r~ of eqs 7-16 (FiberPO) or eqs 30-32 (FiberPO-Domain). Its gradient (eq 20) is, for a token j of
trajectory b with label l_j and h_i = mu_b A_i G_i,
  dJ/dlog r_j = h_j 1[|u_j| <= eps] + (l_j / T_b) [dJ/dlog s^(l_j)]_b,
where dJ/dlog s+- collects the base-weight path (`vjp` of the base weight) and the fiber path (per-row sums of
h over the free tokens of each sign, and over all tokens of the opposite sign). Every row sum is known at the
end of the forward pass (J is a scalar), so the backward is a single elementwise pass over saved free h and
labels. The readable specification is `objectives.fiberpo`; tests hold the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from .aggregation import MODES, Normalizers
from .batch import Hierarchy
from .gates import LOG_RATIO_LIMIT, clip_sym, g_agg_slope
from .objectives.fiberpo import base_log_weight
from .objectives.fiberpo_domain import LEVELS, channel_gate, level_inputs


@dataclass(frozen=True)
class TrajectoryBase:
    """FiberPO base weight log w_tau = g_agg(log s+, C+, T) - g_agg(log s-, C-, T) (eq 8)."""

    lengths: Tensor
    c_pos: float | Tensor
    c_neg: float | Tensor

    def __call__(self, log_s_pos: Tensor, log_s_neg: Tensor) -> Tensor:
        return base_log_weight(log_s_pos, log_s_neg, self.lengths, self.c_pos, self.c_neg)

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

    def __call__(self, log_s_pos: Tensor, log_s_neg: Tensor) -> Tensor:
        pos = channel_gate(level_inputs(log_s_pos, self.hierarchy), self.budgets_pos, self.counts)
        return pos - channel_gate(level_inputs(log_s_neg, self.hierarchy), self.budgets_neg, self.counts)

    def channel_vjp(self, log_s: Tensor, budgets: dict, grad: Tensor) -> Tensor:
        """grad-weighted derivative of one channel's three terms; the level means are self-adjoint (eq 33)."""
        inputs = level_inputs(log_s, self.hierarchy)
        slope = {level: grad * g_agg_slope(getattr(inputs, level), budgets[level], self.counts[level]) for level in LEVELS}
        group_mean = self.hierarchy.level_means(slope["group"] - slope["trajectory"])[0]
        domain_mean = self.hierarchy.level_means(slope["domain"] - slope["group"])[1]
        return slope["trajectory"] + group_mean + domain_mean

    def vjp(self, log_s_pos: Tensor, log_s_neg: Tensor, grad: Tensor) -> tuple[Tensor, Tensor]:
        """grad * d log w_Base / d log s+- across each trajectory's group and domain."""
        return self.channel_vjp(log_s_pos, self.budgets_pos, grad), -self.channel_vjp(log_s_neg, self.budgets_neg, grad)

    def gates(self, log_s_pos: Tensor, log_s_neg: Tensor) -> dict:
        """{(channel, level): (gate input, C, k)} of every g_agg term, for metrics."""
        channels = (("pos", log_s_pos, self.budgets_pos), ("neg", log_s_neg, self.budgets_neg))
        return {
            (channel, level): (getattr(level_inputs(log_s, self.hierarchy), level), budgets[level], self.counts[level])
            for channel, log_s, budgets in channels
            for level in LEVELS
        }


def aggregation_row_weights(mask: Tensor, lengths: Tensor, mode: str, norm: Normalizers) -> Tensor:
    """Weights mu_b with aggregate(values, mask, mode, norm) = sum_b mu_b sum_t mask*values (verl's agg_loss)."""
    if mode not in MODES:
        raise ValueError(f"loss_agg_mode: {mode!r} is not one of {MODES}")
    non_empty = lengths > 0
    n_seq = norm.global_batch_size if norm.global_batch_size is not None else non_empty.sum().to(lengths.dtype)
    if mode == "token-mean":
        n_tok = norm.batch_num_tokens if norm.batch_num_tokens is not None else lengths.sum()
        weight = torch.ones_like(lengths) / n_tok
    elif mode == "seq-mean-token-mean":
        weight = torch.where(non_empty, 1 / lengths.clamp(min=1), 0) / n_seq
    elif mode == "seq-mean-token-sum":
        weight = torch.ones_like(lengths) / n_seq
    else:
        scale = norm.loss_scale_factor if norm.loss_scale_factor is not None else mask.shape[-1]
        weight = torch.ones_like(lengths) / (n_seq * scale)
    return weight * norm.dp_size


@dataclass(frozen=True)
class FiberStats:
    """Per-trajectory statistics of one forward pass, for the gate metrics (meaningless on empty rows)."""

    log_s_pos: Tensor  # eq 9
    log_s_neg: Tensor  # eq 9
    base_log_weight: Tensor  # log w_base
    clipped: Tensor  # valid tokens whose same-sign argument l_i u_i left [-eps, eps]
    positive: Tensor  # valid tokens with l_i = +1
    ratio_sum: Tensor  # sum of r_i = exp(log r_i) (log r clamped to +-20) over valid tokens


def token_moments(log_prob: Tensor, old_log_prob: Tensor, mask: Tensor) -> Tensor:
    """Row sums of log r and |log r| (eq 9), masked tokens counting as log r = 0; shape [2, B]."""
    log_ratio = torch.where(mask, log_prob - old_log_prob, 0)
    return torch.stack([log_ratio.sum(dim=-1), torch.linalg.vector_norm(log_ratio, 1, dim=-1)])


def row_select(labels: Tensor, table: Tensor) -> Tensor:
    """Per token, column 1 of its row of `table` [B, 2] where the label is 1, else column 0 (an FMA, not a where)."""
    return torch.addcmul(table[:, :1], labels, table[:, 1:] - table[:, :1])


def token_gate(log_prob, old_log_prob, advantages, mask, shift: Tensor, offset: Tensor, eps: float, label_dtype=None):
    """h = mu A G per token (eqs 7, 14-16) with its free part (|u| <= eps), the labels 1[l = +1] and seven row sums.

    shift and offset are [B, 2] (column 0: l = -1, column 1: l = +1): l u = log r - shift and
    log(mu G) = clip(l u) + offset. Row sums: h, free h, positive h, positive free h, free and positive counts,
    and r = exp(min(log r, 20)) (masked tokens count as r = 1). Labels are 0/1 numbers, so row selections are
    fused multiply-adds (eager broadcasting `where` and Inductor's bool stores are several times slower); they
    are returned in `label_dtype` (default: the float dtype; int8 halves the compiled kernels' traffic).
    """
    log_ratio = torch.where(mask, log_prob - old_log_prob, 0)
    labels = (log_ratio >= 0).to(log_ratio.dtype)  # sign(0) := +1
    same_sign = log_ratio - row_select(labels, shift)
    free = same_sign.abs() <= eps
    ratio_sum = log_ratio.clamp_(max=LOG_RATIO_LIMIT).exp_().sum(dim=-1)
    weighted = same_sign.clamp_(-eps, eps).add_(row_select(labels, offset)).exp_()
    weighted = weighted.mul_(torch.where(mask, advantages, 0))
    free_part = torch.where(free, weighted, 0)
    sums = [weighted, free_part, weighted * labels, free_part * labels]
    counts = [free.sum(dim=-1, dtype=log_prob.dtype), labels.sum(dim=-1)]
    labels_out = labels if label_dtype is None else labels.to(label_dtype)
    return free_part, labels_out, torch.stack([x.sum(dim=-1) for x in sums] + counts + [ratio_sum])


def token_gradient(free_part: Tensor, labels: Tensor, mask: Tensor, row_pos: Tensor, row_neg: Tensor, scale: Tensor):
    """dJ/dlog r = scale * free h + (row term of the token's sign channel), zero where masked (eq 20)."""
    channel = torch.addcmul(row_neg, labels, row_pos - row_neg)
    return torch.where(mask, channel.addcmul_(free_part, scale), 0)


EMPTY_LOG_WEIGHT = -1e4  # log mu of an empty row (mu = 0): exp gives exactly 0 and no inf - inf arises


def fiber_forward(log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps: float, label_dtype=None):
    """J, what the backward needs (free h, labels, per-row quantities [7, B]) and the FiberStats rows [6, B]."""
    log_ratio_sum, abs_sum = token_moments(log_prob, old_log_prob, mask)
    log_s_pos, log_s_neg = (abs_sum + log_ratio_sum) / (2 * lengths), (abs_sum - log_ratio_sum) / (2 * lengths)
    base = base_fn(log_s_pos, log_s_neg)
    shift = torch.stack([-log_s_neg, log_s_pos], dim=-1)
    offset = torch.stack([base - clip_sym(log_s_pos, eps), base - clip_sym(-log_s_neg, eps)], dim=-1)
    offset = offset + torch.log(row_weight).clamp(min=EMPTY_LOG_WEIGHT)[:, None]
    free_part, labels, sums = token_gate(log_prob, old_log_prob, advantages, mask, shift, offset, eps, label_dtype)
    sum_all, sum_free, sum_pos, sum_free_pos, free_count, positive_count, ratio_sum = sums
    padding = mask.shape[-1] - lengths  # masked tokens have log r = 0: label +1, free iff |log s+| <= eps
    clipped = lengths - (free_count - padding * (log_s_pos.abs() <= eps))
    stats = torch.stack([log_s_pos, log_s_neg, base, clipped, positive_count - padding, ratio_sum - padding])
    rows = torch.stack([log_s_pos, log_s_neg, lengths, sum_all, sum_free, sum_pos, sum_free_pos])
    return sum_all.sum(), free_part, labels, rows, stats


def fiber_forward_int8_labels(*args):
    """fiber_forward keeping int8 labels (the compiled graph: Inductor stores them fast, and 4x smaller)."""
    return fiber_forward(*args, label_dtype=torch.int8)


def fiber_backward(grad_objective, free_part, labels, mask, rows, base_fn, eps: float):
    """dJ/dlog r (eq 20): per-trajectory terms of both channels, then one pass over the tokens."""
    log_s_pos, log_s_neg, lengths, sum_all, sum_free, sum_pos, sum_free_pos = rows
    base_pos, base_neg = base_fn.vjp(log_s_pos, log_s_neg, sum_all)
    sum_neg, sum_free_neg = sum_all - sum_pos, sum_free - sum_free_pos
    opposite_free_pos = (log_s_neg.abs() <= eps).to(sum_all.dtype)  # |v| <= eps for l = +1 (v = -log s-)
    opposite_free_neg = (log_s_pos.abs() <= eps).to(sum_all.dtype)  # |v| <= eps for l = -1 (v = -log s+)
    d_log_s_pos = base_pos - sum_free_pos - opposite_free_neg * sum_neg
    d_log_s_neg = base_neg + sum_free_neg + opposite_free_pos * sum_pos
    row_pos = (grad_objective * d_log_s_pos / lengths)[:, None]
    row_neg = (-grad_objective * d_log_s_neg / lengths)[:, None]
    return token_gradient(free_part, labels, mask, row_pos, row_neg, grad_objective)


@dataclass(frozen=True)
class Passes:
    """Forward and backward of the fused objective: eager, or each compiled into one graph."""

    forward: Callable
    backward: Callable


EAGER = Passes(fiber_forward, fiber_backward)
COMPILED = Passes(torch.compile(fiber_forward_int8_labels, dynamic=None), torch.compile(fiber_backward, dynamic=None))


class FiberObjective(torch.autograd.Function):
    """J = sum_b mu_b sum_t A G (eqs 6, 7) with the one-pass backward of eq 20; old log-probs get -dJ/dlog pi."""

    @staticmethod
    def forward(ctx, log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps, passes):
        inputs = (log_prob, old_log_prob, advantages, mask, row_weight, lengths)
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
