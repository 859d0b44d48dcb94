"""First-order agreement with the true objective (Thm 4.5, Prop 5.4) and update directions, by exact enumeration."""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import Tensor

from fiberpo_check.envs.tree_policy import TreePolicy, trajectory_probs
from fiberpo_check.engine.aggregation import MODES
from fiberpo_check.verification.checks.exact_surrogates import (
    ADVANTAGES,
    EXACT_METHODS,
    PairBatches,
    expected_surrogate,
    pair_batches,
    true_gain,
    value_and_gradient,
)


def cosine(a: Tensor, b: Tensor) -> float:
    """cos(a, b); NaN when either vector is zero (a fully clipped surrogate has no direction)."""
    norm = float(a.norm() * b.norm())
    return float((a * b).sum()) / norm if norm > 0 else float("nan")


def agreement_rows(tree: TreePolicy, theta_old: Tensor, methods=EXACT_METHODS, modes=MODES) -> list[dict]:
    """At theta_old, per method x mode x advantage kind: gaps to the identity-gated surrogate and to J (Thm 4.5)."""
    rows = []
    for advantage in ADVANTAGES:
        batches = pair_batches(tree, theta_old, advantage)
        _, true_grad = value_and_gradient(lambda th: true_gain(batches, th), theta_old)
        for mode in modes:
            linear_value, linear_grad = value_and_gradient(
                lambda th: expected_surrogate("identity", th, batches, mode), theta_old)
            for method in methods:
                value, grad = value_and_gradient(lambda th: expected_surrogate(method, th, batches, mode), theta_old)
                rows.append({
                    "advantage": advantage, "mode": mode, "method": method,
                    "value_gap_vs_linear": abs(float(value - linear_value)),
                    "grad_gap_vs_linear": float((grad - linear_grad).norm() / linear_grad.norm()),
                    "value_offset": float(value),
                    "grad_rel_error_vs_true": float((grad - true_grad).norm() / true_grad.norm()),
                    "cosine_vs_true": cosine(grad, true_grad),
                    "norm_ratio_vs_true": float(grad.norm() / true_grad.norm()),
                })
    return rows


def loglog_slope(x: list[float], y: list[float]) -> float:
    """Least-squares slope of log y on log x (points with y > 0 only)."""
    pairs = [(math.log(a), math.log(b)) for a, b in zip(x, y) if b > 0]
    if len(pairs) < 2:
        return float("nan")
    mx = sum(p[0] for p in pairs) / len(pairs)
    my = sum(p[1] for p in pairs) / len(pairs)
    return sum((p[0] - mx) * (p[1] - my) for p in pairs) / sum((p[0] - mx) ** 2 for p in pairs)


def random_direction(theta_old: Tensor, seed: int) -> Tensor:
    """A seeded standard-normal direction in logit space, one entry per logit (drawn on CPU)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(theta_old.shape, generator=gen, dtype=theta_old.dtype).to(theta_old.device)


def second_order_rows(tree: TreePolicy, theta_old: Tensor, *, steps: tuple[float, ...] | None = None,
                      setups: tuple[tuple[str, str], ...] = (("seq-mean-token-sum", "trajectory"),
                                                             ("seq-mean-token-mean", "trajectory")),
                      methods=EXACT_METHODS, seed: int = 0, fit_below: float = 1e-2) -> list[dict]:
    """|[J(theta) - J(theta_old)] - [J_hat(theta) - J_hat(theta_old)]| along theta_old + a d, and its log-log slope
    fitted on the steps <= `fit_below` (the asymptotic regime; larger steps leave the gates' identity ball)."""
    steps = steps or tuple(10.0 ** (-4 + 3 * k / 9) for k in range(10))
    direction = random_direction(theta_old, seed)
    rows = []
    for mode, advantage in setups:
        batches = pair_batches(tree, theta_old, advantage)
        with torch.no_grad():
            for method in methods:
                start = expected_surrogate(method, theta_old, batches, mode)
                gaps = [abs(float(true_gain(batches, theta_old + a * direction)
                                  - (expected_surrogate(method, theta_old + a * direction, batches, mode) - start)))
                        for a in steps]
                small = [(a, gap) for a, gap in zip(steps, gaps) if a <= fit_below]
                rows.append({"method": method, "mode": mode, "advantage": advantage, "steps": list(steps),
                             "gaps": gaps, "slope": loglog_slope([a for a, _ in small], [g for _, g in small])})
    return rows


def trajectory_tv(batches: PairBatches, theta: Tensor) -> float:
    """Exact trajectory-level TV distance (1/2) sum_tau |pi_theta(tau) - pi_old(tau)|."""
    tree = batches.tree
    with torch.no_grad():
        return float(0.5 * (trajectory_probs(tree, theta) - trajectory_probs(tree, batches.theta_old)).abs().sum())


def ascent_path(batches: PairBatches, method: str, hyper: dict | None, *, epochs: int, step: float,
                mode: str = "seq-mean-token-mean", advantage_sign: float = 1.0) -> list[dict]:
    """Normalised-gradient ascent on E J_hat_m from theta_old: per epoch the trajectory TV drift and
    cos(grad E J_hat_m, grad J) at the current theta (NaN once the surrogate's gradient vanishes: the path stops).

    `advantage_sign` = -1 is a negative control (the surrogate ascends -J)."""
    signed = batches if advantage_sign == 1 else replace(batches, advantages=advantage_sign * batches.advantages)
    theta, rows = batches.theta_old.clone(), []
    for epoch in range(epochs + 1):
        _, grad = value_and_gradient(lambda th: expected_surrogate(method, th, signed, mode, hyper), theta)
        _, true_grad = value_and_gradient(lambda th: true_gain(batches, th), theta)
        rows.append({"epoch": epoch, "tv": trajectory_tv(batches, theta), "cosine": cosine(grad, true_grad)})
        norm = float(grad.norm())
        if norm == 0:
            break
        theta = theta + step * grad / norm
    return rows
