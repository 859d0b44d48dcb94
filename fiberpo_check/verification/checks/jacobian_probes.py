"""Matrix-free Jacobian checks of the FiberPO gating map (Props 5.2-5.4, eq 20): JVP/VJP probes, O(tokens)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import jvp, vjp

from fiberpo_check.engine.batch import masked
from fiberpo_check.engine.gates import g_agg_slope
from fiberpo_check.engine.objectives.fiberpo import FIBERPO_HYPER, FiberParts, fiberpo_parts
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_parts

LogGateMap = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class GateHyper:
    """FiberPO budgets and fiber clip (eqs 8, 16); `group_ids`/`domain_ids` select FiberPO-Domain (eq 31)."""

    c_pos: float = FIBERPO_HYPER["c_pos"]
    c_neg: float = FIBERPO_HYPER["c_neg"]
    eps: float = FIBERPO_HYPER["eps"]
    group_ids: Tensor | None = None
    domain_ids: Tensor | None = None

    def parts(self, log_ratio: Tensor, mask: Tensor) -> FiberParts:
        """FiberParts of FiberPO, or of FiberPO-Domain when hierarchy ids are set."""
        if self.group_ids is None:
            return fiberpo_parts(log_ratio, mask, c_pos=self.c_pos, c_neg=self.c_neg, eps=self.eps)
        return fiberpo_domain_parts(
            log_ratio, mask, self.group_ids, self.domain_ids, c_pos=self.c_pos, c_neg=self.c_neg, eps=self.eps
        )


def log_gate_map(mask: Tensor, hyper: GateHyper) -> LogGateMap:
    """The map log r -> log G(r) on a fixed mask, zero at masked positions (eq 7 in log space)."""
    return lambda log_ratio: masked(hyper.parts(log_ratio, mask).log_gate, mask)


def autograd_jvp(fn: LogGateMap, log_ratio: Tensor, tangent: Tensor) -> Tensor:
    """(d log G / d log r) v by forward-mode autodiff (one pass, O(tokens))."""
    return jvp(fn, (log_ratio,), (tangent,))[1]


def autograd_vjp(fn: LogGateMap, log_ratio: Tensor, cotangent: Tensor) -> Tensor:
    """w^T (d log G / d log r) by reverse-mode autodiff (one pass, O(tokens))."""
    return vjp(fn, log_ratio)[1](cotangent)[0]


@dataclass(frozen=True)
class Eq20Terms:
    """Per-token ingredients of eq 20: fiber clip indicators, sign labels, base-gate slopes gamma, 1/T."""

    u_free: Tensor  # 1[|u_i| <= eps]
    v_free: Tensor  # 1[|v_i| <= eps]
    positive: Tensor  # l_i = +1 (sign(0) := +1)
    gamma: Tensor  # gamma^(l_i)_tau, slope of the base gate of token i's own channel
    inv_length: Tensor  # 1 / T_tau, [B, 1]
    mask: Tensor


def eq20_terms(parts: FiberParts, hyper: GateHyper) -> Eq20Terms:
    """Indicators and slopes that eq 20 needs, from the forward quantities of the FiberPO gate."""
    dtype = parts.log_ratio.dtype
    gamma_pos = g_agg_slope(parts.log_s_pos, hyper.c_pos, parts.lengths)[:, None]
    gamma_neg = g_agg_slope(parts.log_s_neg, hyper.c_neg, parts.lengths)[:, None]
    positive = parts.positive & parts.mask
    return Eq20Terms(
        u_free=masked((parts.same_sign.abs() <= hyper.eps).to(dtype), parts.mask),
        v_free=masked((parts.opposite_sign.abs() <= hyper.eps).to(dtype), parts.mask),
        positive=positive,
        gamma=masked(torch.where(positive, gamma_pos, gamma_neg), parts.mask),
        inv_length=1 / parts.lengths[:, None],
        mask=parts.mask,
    )


def channel_sums(x: Tensor, positive: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Per-trajectory sums of x over positive-label and negative-label valid tokens, [B, 1] each."""
    pos = masked(x, positive).sum(-1, keepdim=True)
    return pos, masked(x, mask & ~positive).sum(-1, keepdim=True)


def eq20_jvp(terms: Eq20Terms, tangent: Tensor) -> Tensor:
    """Closed-form (d log G / d log r) v of eq 20 in O(tokens): self term plus rank-2 trajectory coupling."""
    v = masked(tangent, terms.mask)
    same_pos, same_neg = channel_sums(v, terms.positive, terms.mask)
    same = torch.where(terms.positive, same_pos, same_neg)
    other = torch.where(terms.positive, same_neg, same_pos)
    base = (terms.gamma * v).sum(-1, keepdim=True)
    coupling = base - terms.u_free * same - terms.v_free * other
    return masked(terms.u_free * v + terms.inv_length * coupling, terms.mask)


def eq20_vjp(terms: Eq20Terms, cotangent: Tensor) -> Tensor:
    """Closed-form w^T (d log G / d log r) of eq 20 in O(tokens) (transpose of eq20_jvp)."""
    w = masked(cotangent, terms.mask) * terms.inv_length
    u_pos, u_neg = channel_sums(terms.u_free * w, terms.positive, terms.mask)
    v_pos, v_neg = channel_sums(terms.v_free * w, terms.positive, terms.mask)
    from_same = torch.where(terms.positive, u_pos, u_neg)
    from_other = torch.where(terms.positive, v_neg, v_pos)
    total = w.sum(-1, keepdim=True)
    out = terms.u_free * masked(cotangent, terms.mask) + terms.gamma * total - from_same - from_other
    return masked(out, terms.mask)


def relative_gap(a: Tensor, b: Tensor) -> float:
    """max |a - b| / max(1, max |b|): the error measure used by every probe."""
    return float((a - b).abs().max() / torch.clamp((b.abs().max()), min=1.0))


def random_tangent(like: Tensor, mask: Tensor, seed: int) -> Tensor:
    """A seeded standard-normal probe vector on the valid tokens."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    return masked(torch.randn(like.shape, generator=gen, dtype=torch.float64).to(like), mask)


def eq20_probe_gap(
    log_ratio: Tensor, mask: Tensor, hyper: GateHyper, *, fn: LogGateMap | None = None, n_probes: int = 2, seed: int = 0
) -> dict:
    """Largest relative gap between autodiff JVP/VJP of `fn` (default: FiberPO) and eq 20 over random probes."""
    fn = fn or log_gate_map(mask, hyper)
    terms = eq20_terms(hyper.parts(log_ratio, mask), hyper)
    gaps = {"jvp": 0.0, "vjp": 0.0}
    for probe in range(n_probes):
        v = random_tangent(log_ratio, mask, seed + probe)
        gaps["jvp"] = max(gaps["jvp"], relative_gap(autograd_jvp(fn, log_ratio, v), eq20_jvp(terms, v)))
        gaps["vjp"] = max(gaps["vjp"], relative_gap(autograd_vjp(fn, log_ratio, v), eq20_vjp(terms, v)))
    return gaps


def block_leak(
    fn: LogGateMap, log_ratio: Tensor, mask: Tensor, block_of_row: Tensor, *, n_probes: int = 4, seed: int = 0
) -> float:
    """Largest |(J v)_i| on rows outside a random half of the blocks when v lives on that half (Prop 5.3).

    Zero (exactly) for a Jacobian that is block-diagonal over `block_of_row` [B]; any cross-block entry is
    caught by a probe with probability 1/4 per probe.
    """
    gen = torch.Generator().manual_seed(seed)
    leak = 0.0
    n_blocks = int(block_of_row.max()) + 1
    for probe in range(n_probes):
        chosen = (torch.rand(n_blocks, generator=gen) < 0.5).to(log_ratio.device)[block_of_row.to(log_ratio.device)]
        v = masked(random_tangent(log_ratio, mask, seed + 1000 + probe), mask & chosen[:, None])
        out = autograd_jvp(fn, log_ratio, v)
        leak = max(leak, float(masked(out, mask & ~chosen[:, None]).abs().max()))
    return leak


def identity_gap(
    mask: Tensor, hyper: GateHyper, *, fn: LogGateMap | None = None, dtype: torch.dtype = torch.float64,
    seed: int = 0, near: float = 1e-6,
) -> dict:
    """max |G - r| and max |J v - v| of `fn` (default: the reference gate) at log r = 0 and at a mixed-sign point
    `near` away, inside the identity ball (Prop 5.4). At exactly 0 every token sits on the sign kink, where
    one-sided derivatives hide a wrong cross-channel term; the mixed-sign point does not."""
    fn = fn or log_gate_map(mask, hyper)
    on_policy = torch.zeros(mask.shape, dtype=dtype, device=mask.device)
    gaps = {"value": 0.0, "jvp": 0.0}
    for point in (on_policy, near * random_tangent(on_policy, mask, seed + 1)):
        v = random_tangent(point, mask, seed)
        gaps["value"] = max(gaps["value"], float(masked(torch.exp(fn(point)) - torch.exp(point), mask).abs().max()))
        gaps["jvp"] = max(gaps["jvp"], relative_gap(autograd_jvp(fn, point, v), v))
    return gaps


def identity_radius(lengths: Tensor, hyper: GateHyper) -> float:
    """Largest rho with G(r) = r exactly whenever max|log r| <= rho: min(C+, C-, eps T/(T-1)) at the longest T."""
    longest = int(lengths.max())
    fiber = hyper.eps * longest / (longest - 1) if longest > 1 else float("inf")
    return min(hyper.c_pos, hyper.c_neg, fiber)


def extremal_batch(length: int, rho: float) -> tuple[Tensor, Tensor]:
    """Sup-norm-rho configurations that first break G = r (one row each): all +rho, all -rho,
    one +rho among zeros, one -rho among zeros, one 0 among +rho, one 0 among -rho, +rho among -rho."""
    rows = torch.zeros(7, length, dtype=torch.float64)
    rows[0], rows[1] = rho, -rho
    rows[2, 0], rows[3, 0] = rho, -rho
    rows[4], rows[4, 0] = rho, 0.0
    rows[5], rows[5, 0] = -rho, 0.0
    rows[6], rows[6, 0] = -rho, rho
    return rows, torch.ones_like(rows, dtype=torch.bool)


def identity_defect(log_ratio: Tensor, mask: Tensor, hyper: GateHyper) -> float:
    """max |log G - log r| over valid tokens (0 exactly where G is the identity)."""
    return float(masked(hyper.parts(log_ratio, mask).log_gate - log_ratio, mask).abs().max())


def identity_radius_check(
    length: int, hyper: GateHyper, *, rel: float = 1e-6, n_random: int = 256, seed: int = 0, scale: float = 1.0
) -> dict:
    """G = r on random and extremal points just inside `scale` × the radius, and G != r on an extremal point just
    outside (scale 1: the claimed radius; a negative control scales it)."""
    rho = scale * identity_radius(torch.tensor([length]), hyper)
    gen = torch.Generator().manual_seed(seed)
    inside_random = rho * (1 - rel) * (2 * torch.rand(n_random, length, generator=gen, dtype=torch.float64) - 1)
    inside_extremal, mask = extremal_batch(length, rho * (1 - rel))
    outside_extremal, _ = extremal_batch(length, rho * (1 + rel))
    random_mask = torch.ones_like(inside_random, dtype=torch.bool)
    return {
        "radius": rho,
        "inside_defect": max(
            identity_defect(inside_random, random_mask, hyper), identity_defect(inside_extremal, mask, hyper)
        ),
        "outside_defect": identity_defect(outside_extremal, mask, hyper),
    }
