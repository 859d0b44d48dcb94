"""The concrete FBG/FGH objects the paper states for FiberPO (App. E.5.4, n = 1) and FiberPO-Domain (App. E.7, n = 3).

Points of a signed stratum B x {+1, -1} are numbered channel-major: (b, +1) -> b and (b, -1) -> N + b, where
N = |B|. The total space E = X x {+1, -1} numbers the valid tokens of a padded batch row-major (mask order).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from fiberpo_check.engine.batch import Hierarchy, check_mask, check_positive, segment_sum, token_lengths
from fiberpo_check.engine.fibration import (
    AtomicGate,
    Fibration,
    FibrationGatingHierarchy,
    GatingInstance,
    MarkovKernel,
    check_reflecting,
)
from fiberpo_check.engine.gates import clip_sym, g_agg
from fiberpo_check.engine.objectives.fiberpo import sign_label
from fiberpo_check.engine.objectives.fiberpo_domain import level_budgets


def signed(values: Tensor) -> Tensor:
    """A per-point quantity on B repeated on both channels of B x {+1, -1} (channel-major)."""
    return torch.cat([values, values])


def signed_fibration(parent: Tensor, base_size: int) -> Fibration:
    """pi x id: (x, l) -> (pi(x), l), a fibration that keeps the sign channel (App. E.5.4, E.7)."""
    return Fibration(torch.cat([parent, parent + base_size]), 2 * base_size)


def channel_budget(c_pos: float, c_neg: float, size: int, like: Tensor) -> Tensor:
    """C^(l) at every point of a signed stratum with `size` base points: C+ on (., +1), C- on (., -1)."""
    options = dict(dtype=like.dtype, device=like.device)
    return torch.cat([torch.full((size,), c_pos, **options), torch.full((size,), c_neg, **options)])


def token_structure(mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Trajectory index of each valid token [N], trajectory lengths T_tau [B], and T_tau per token [N]."""
    mask = check_mask(mask, getattr(mask, "shape", None))
    lengths = token_lengths(mask, torch.float64)
    row = mask.nonzero()[:, 0]
    return row, lengths, lengths[row]


def sign_split_decomposition(token_length: Tensor) -> Callable[[Tensor], Tensor]:
    """F(r)_(i; l) = max(l log r_i, 0) / T_tau, the local information of App. E.5.4."""
    return lambda log_ratio: torch.cat([log_ratio.clamp(min=0), (-log_ratio).clamp(min=0)]) / signed(token_length)


def sign_label_decomposition(token_length: Tensor) -> Callable[[Tensor], Tensor]:
    """F(r)_(i, l) = I[l_i = l] l_i log r_i / T_tau with l_i = sign(log r_i) (App. E.7, item 4)."""

    def decompose(log_ratio: Tensor) -> Tensor:
        """F applied to the valid tokens' log-ratios [N], a density on E of shape [2N]."""
        label = sign_label(log_ratio)
        value = label * log_ratio / token_length
        zero = torch.zeros_like(value)
        return torch.cat([torch.where(label > 0, value, zero), torch.where(label < 0, value, zero)])

    return decompose


def signed_recovery(token_length: Tensor) -> Callable[[Tensor], Tensor]:
    """R(sigma)_i = exp(T_tau (sigma_(i, +1) - sigma_(i, -1))) (App. E.5.4 and E.7, item 4)."""
    n = token_length.numel()
    return lambda sigma: torch.exp(token_length * (sigma[:n] - sigma[n:]))


def aggregate_gate(budget: Tensor, count: Tensor, scale: Tensor | None = None) -> AtomicGate:
    """sigma -> scale * g_agg(sigma / scale, C^(l), count) pointwise; scale = 1 when omitted (App. E.5.4, E.7)."""
    if scale is None:
        return lambda x, lower: g_agg(x, budget, count)
    return lambda x, lower: scale * g_agg(x / scale, budget, count)


def bound_clip_gate(bound: Tensor) -> AtomicGate:
    """g_Fiber,i(sigma_i) = clip(sigma_i, +-eps/T_tau(i)) pointwise, bound = eps/T (App. E.5.4)."""
    return lambda x, lower: clip_sym(x, bound)


def scaled_clip_gate(scale: Tensor, eps: float) -> AtomicGate:
    """g_3,(i,l)(sigma) = (1/T_tau_i) clip(T_tau_i sigma_(i,l), eps) pointwise, scale = T (App. E.7, k = 3)."""
    return lambda x, lower: clip_sym(scale * x, eps) / scale


def fiberpo_instance(mask: Tensor, *, c_pos: float, c_neg: float, eps: float) -> GatingInstance:
    """The n = 1 FBG of App. E.5.4: E = X x {+-1}, B = Tj x {+-1}, K = mu^(tau), gates g_agg and clip(., +-eps/T)."""
    c_pos, c_neg, eps = check_positive("c_pos", c_pos), check_positive("c_neg", c_neg), check_positive("eps", eps)
    row, lengths, token_length = token_structure(mask)
    bundle = signed_fibration(row, lengths.numel())
    kernel = MarkovKernel.on_fibers(bundle, 1 / signed(token_length))
    base_gate = aggregate_gate(channel_budget(c_pos, c_neg, lengths.numel(), lengths), signed(lengths))
    fiber_gate = bound_clip_gate(eps / signed(token_length))
    fgh = FibrationGatingHierarchy((bundle,), (kernel,), (base_gate, fiber_gate))
    check_reflecting(fgh)
    return GatingInstance(fgh, sign_split_decomposition(token_length), signed_recovery(token_length))


def fiberpo_domain_instance(
    mask: Tensor, group_ids: Tensor, domain_ids: Tensor, *, c_pos: float | dict, c_neg: float | dict, eps: float
) -> GatingInstance:
    """The n = 3 FGH of App. E.7: strata Domain, PromptGroup, Tj, X (each x {+-1}), kernels, gates, F and R.

    c_pos/c_neg may be per-level dicts {domain, group, trajectory}; a float is the paper's shared C^(l).
    """
    budgets = {"pos": level_budgets("c_pos", c_pos), "neg": level_budgets("c_neg", c_neg)}
    eps = check_positive("eps", eps)
    row, lengths, token_length = token_structure(mask)
    hierarchy = Hierarchy.from_ids(group_ids, domain_ids, lengths.numel())
    ones = torch.ones_like(lengths)
    group_size = segment_sum(ones, hierarchy.group, hierarchy.n_groups)  # |Tj(g)|
    domain_size = segment_sum(ones, hierarchy.domain, hierarchy.n_domains)  # |Tj(D)|
    group_tokens = segment_sum(lengths, hierarchy.group, hierarchy.n_groups)  # T_g
    domain_tokens = segment_sum(lengths, hierarchy.domain, hierarchy.n_domains)  # T_D
    group_domain = torch.zeros(hierarchy.n_groups, dtype=torch.long, device=lengths.device)
    group_domain = group_domain.scatter(0, hierarchy.group, hierarchy.domain)  # D_g

    pi1 = signed_fibration(group_domain, hierarchy.n_domains)  # (g, l) -> (D_g, l)
    pi2 = signed_fibration(hierarchy.group, hierarchy.n_groups)  # (tau, l) -> (g_tau, l)
    pi3 = signed_fibration(row, lengths.numel())  # (i, l) -> (tau_i, l)
    k0 = MarkovKernel.on_fibers(pi1, signed(group_size / domain_size[group_domain]))  # |Tj(g)| / |Tj(D)|
    k1 = MarkovKernel.on_fibers(pi2, signed(1 / group_size[hierarchy.group]))  # 1 / |Tj(g)|
    k2 = MarkovKernel.on_fibers(pi3, 1 / signed(token_length))  # 1 / T_tau

    sizes = {"domain": hierarchy.n_domains, "group": hierarchy.n_groups, "trajectory": lengths.numel()}
    budget = {
        level: channel_budget(budgets["pos"][level], budgets["neg"][level], n, lengths) for level, n in sizes.items()
    }
    g0 = aggregate_gate(budget["domain"], signed(domain_tokens), signed(domain_size))
    g1 = aggregate_gate(budget["group"], signed(group_tokens), signed(group_size))
    g2 = aggregate_gate(budget["trajectory"], signed(lengths))
    g3 = scaled_clip_gate(signed(token_length), eps)
    fgh = FibrationGatingHierarchy((pi1, pi2, pi3), (k0, k1, k2), (g0, g1, g2, g3))
    check_reflecting(fgh)
    return GatingInstance(fgh, sign_label_decomposition(token_length), signed_recovery(token_length))

