"""Fused FiberPO / FiberPO-Domain loss: few elementwise passes forward, eq 20's per-trajectory sums backward.

The loss is L = sum_b mu_b sum_t A_bt G_bt (mu_b: aggregation weight of row b, sign included), with the
gate G = w_base * r~ of eqs 7-16 (FiberPO) or eqs 30-32 (FiberPO-Domain). Its gradient (eq 20) is, for a
token j of trajectory b with label l_j and h_i = mu_b A_i G_i,
  dL/dl_j = h_j 1[|u_j| <= eps] + (1/T_b) [dL/dlog s^(l_j)]_b * l_j,
where dL/dlog s+- collects the base-weight path (through `base`) and the fiber path (per-row sums of h over
free/clipped tokens of each sign). Every row sum is known at the end of the forward pass (the loss is a
scalar), so the backward is a single elementwise pass.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    c_pos: float
    c_neg: float

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
        """Token counts T_D, T_g, T_tau of every trajectory's levels (Def 6.4) bound to the budgets."""
        t_group, t_domain = hierarchy.level_token_counts(lengths)
        return cls(hierarchy, {"domain": t_domain, "group": t_group, "trajectory": lengths}, budgets_pos, budgets_neg)

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


def channel_means(log_ratio: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """log s+ and log s- from two fused row reductions, sum(l) and sum(|l|) (eq 9)."""
    total, absolute = log_ratio.sum(dim=-1), torch.linalg.vector_norm(log_ratio, 1, dim=-1)
    return (absolute + total) / (2 * lengths), (absolute - total) / (2 * lengths)


def token_log_gate(log_ratio: Tensor, positive: Tensor, log_s_pos: Tensor, log_s_neg: Tensor, base: Tensor, eps: float):
    """log G = base + clip(l u) - clip(l v) and the free flag |u| <= eps, per token (eqs 7, 14-16)."""
    shift = torch.where(positive, log_s_pos[:, None], -log_s_neg[:, None])
    same_sign = log_ratio - shift
    free = same_sign.abs() <= eps
    offset = torch.where(positive, (base - clip_sym(-log_s_neg, eps))[:, None], (base - clip_sym(log_s_pos, eps))[:, None])
    return same_sign.clamp_(-eps, eps).add_(offset), free


class FiberObjective(torch.autograd.Function):
    """L = sum_b mu_b sum_t A G (eqs 6, 7) with the one-pass backward of eq 20; old log-probs get -dL/dlog pi."""

    @staticmethod
    def forward(ctx, log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps):
        log_ratio = torch.where(mask, log_prob - old_log_prob, 0)
        log_s_pos, log_s_neg = channel_means(log_ratio, lengths)
        base = base_fn(log_s_pos, log_s_neg)
        positive = log_ratio >= 0
        log_gate, free = token_log_gate(log_ratio, positive, log_s_pos, log_s_neg, base, eps)
        weighted = log_gate.exp_().mul_(torch.where(mask, advantages, 0)).mul_(row_weight[:, None])  # h_i
        free_part = torch.where(free, weighted, 0)
        sum_all, sum_free = weighted.sum(dim=-1), free_part.sum(dim=-1)
        sum_pos, sum_free_pos = torch.where(positive, weighted, 0).sum(dim=-1), torch.where(positive, free_part, 0).sum(dim=-1)
        ctx.save_for_backward(free_part, positive, mask, log_s_pos, log_s_neg, lengths, sum_all, sum_free, sum_pos, sum_free_pos)
        ctx.base_fn, ctx.eps = base_fn, eps
        padding = (mask.shape[-1] - lengths)
        stats = torch.stack(
            [
                log_s_pos,
                log_s_neg,
                base,
                lengths - (free.sum(dim=-1) - padding * (log_s_pos <= eps)),
                positive.sum(dim=-1) - padding,
                torch.exp(log_ratio.clamp(max=LOG_RATIO_LIMIT)).sum(dim=-1) - padding,
            ]
        )
        ctx.mark_non_differentiable(stats)
        return sum_all.sum(), stats

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss, grad_stats):
        free_part, positive, mask, log_s_pos, log_s_neg, lengths, sum_all, sum_free, sum_pos, sum_free_pos = ctx.saved_tensors
        eps = ctx.eps
        base_pos, base_neg = ctx.base_fn.vjp(log_s_pos, log_s_neg, sum_all)
        sum_neg, sum_free_neg = sum_all - sum_pos, sum_free - sum_free_pos
        opposite_free_pos = (log_s_neg.abs() <= eps).to(sum_all.dtype)  # |v| <= eps for l = +1 (v = -log s-)
        opposite_free_neg = (log_s_pos.abs() <= eps).to(sum_all.dtype)  # |v| <= eps for l = -1 (v = -log s+)
        d_log_s_pos = base_pos - sum_free_pos - opposite_free_neg * sum_neg
        d_log_s_neg = base_neg + sum_free_neg + opposite_free_pos * sum_pos
        row_pos, row_neg = (grad_loss * d_log_s_pos / lengths)[:, None], (-grad_loss * d_log_s_neg / lengths)[:, None]
        grad = torch.where(positive, row_pos, row_neg).addcmul_(free_part, grad_loss)
        grad = torch.where(mask, grad, 0)
        grad_old = -grad if ctx.needs_input_grad[1] else None
        return grad, grad_old, None, None, None, None, None, None


def fiber_loss(log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps: float):
    """(loss, stats [6, B] in FiberStats order); inputs float, mask bool, advantages [B, T] or [B, 1]."""
    return FiberObjective.apply(log_prob, old_log_prob, advantages, mask, row_weight, lengths, base_fn, eps)


fiber_loss_compiled = torch.compile(fiber_loss, dynamic=None)
