"""One policy update on a bandit sample: closed-form TV-TRPO (Thm D.3) against APC-Obj maximised by LP and by Adam."""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linprog
from torch import Tensor

from ..objectives.tv_trpo import TabularSample, tv_trpo_maximizer, unit_tv_maximizer


def tv_trpo_update(sample: TabularSample, delta: float) -> Tensor:
    """Closed-form sample-based TV-TRPO deviations at per-state TV radius delta: Delta* = delta Delta-hat* (eqs 70-71)."""
    return delta * unit_tv_maximizer(sample)[0]


def paper_delta(sample: TabularSample, gamma: float) -> float:
    """The paper's radius t* = (1 - gamma) M / (8 gamma ||A||_inf) = delta^(APC-Obj) of eq 72 (Thm D.3)."""
    return tv_trpo_maximizer(sample, gamma).step


def apc_objective(sample: TabularSample, deviation: Tensor, delta: float) -> Tensor:
    """Tabular APC-Obj: (1/T) sum n [clip(Delta, B) A + A], B = T_s delta - (T_s D_TV(s) - |Delta|) (eq 57).

    Equal to the token-level objective with n_{s,a} copies of each pair; multiplicities below 1 make it unbounded.
    """
    counts = sample.counts
    used = (counts * deviation.abs()).sum(dim=1, keepdim=True)
    bound = (sample.state_count[:, None] * delta - (used - deviation.abs())).clamp(min=0)
    clipped = torch.maximum(torch.minimum(deviation, bound), -bound)
    return (counts * (clipped + 1) * sample.advantages).sum() / counts.sum()


def apc_lp_update(sample: TabularSample, delta: float, old_policy: Tensor | None = None) -> Tensor:
    """APC-Obj maximised over ratio deviations as an LP over its unclipped region {D_TV(s) <= delta} (Lemma D.9).

    old_policy None imposes the sample identity (65); otherwise the true constraint sum_a pi_old Delta = 0 over
    every arm plus positivity Delta >= -1, i.e. what a real policy can reach.
    """
    n = sample.counts.numpy()
    gain = (n * sample.advantages.numpy()).ravel()
    states, arms = n.shape
    size = states * arms
    balance = n if old_policy is None else old_policy.numpy()
    budget = np.zeros((states, 2 * size))
    equal = np.zeros((states, 2 * size))
    for s in range(states):  # Delta = p - q with p, q >= 0
        budget[s, s * arms : (s + 1) * arms] = n[s]
        budget[s, size + s * arms : size + (s + 1) * arms] = n[s]
        equal[s, s * arms : (s + 1) * arms] = balance[s]
        equal[s, size + s * arms : size + (s + 1) * arms] = -balance[s]
    upper_q = None if old_policy is None else 1.0
    result = linprog(
        np.concatenate([-gain, gain]),
        A_ub=budget,
        b_ub=n.sum(axis=1) * delta,
        A_eq=equal,
        b_eq=np.zeros(states),
        bounds=[(0, None)] * size + [(0, upper_q)] * size,
        method="highs",
    )
    if not result.success:
        raise RuntimeError(f"APC-Obj LP failed: {result.message}")
    return torch.as_tensor((result.x[:size] - result.x[size:]).reshape(states, arms))


def apc_gradient_update(sample: TabularSample, old_policy: Tensor, delta: float, steps: int, lr: float) -> Tensor:
    """APC-Obj maximised over softmax logits theta with Adam (cosine schedule) from theta_old; returns pi/pi_old - 1."""
    logits = old_policy.log().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([logits], lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    for _ in range(steps):
        optimizer.zero_grad()
        (-apc_objective(sample, torch.softmax(logits, dim=1) / old_policy - 1, delta)).backward()
        optimizer.step()
        schedule.step()
    return (torch.softmax(logits, dim=1) / old_policy - 1).detach()


def relative_distance(sample: TabularSample, update: Tensor, reference: Tensor) -> float:
    """||update - reference||_n / ||reference||_n over sampled pairs (n-weighted L2, the tie rule's norm in D.1)."""
    n = sample.counts
    return float(((n * (update - reference) ** 2).sum() / (n * reference**2).sum().clamp(min=1e-300)).sqrt())


def probability_violation(sample: TabularSample, deviation: Tensor) -> float:
    """max_s |sum_a n Delta| / T_s: how far an update is from the sample probability constraint (65)."""
    return float(((sample.counts * deviation).sum(dim=1).abs() / sample.state_count).max())
