"""One policy update on a bandit sample: closed-form TV-TRPO (Thm D.3), the exact maximisers over real policies of
APC-Obj and of TV-TRPO, and first-order ascent of APC-Obj on theta."""

from __future__ import annotations

from fractions import Fraction

import torch
from torch import Tensor

from fiberpo_check.envs.bandit import RationalBandit, as_tensor
from fiberpo_check.empirical.training.bandit_exact import StateMaximum, apc_maximum, tv_trpo_batch_maximum
from fiberpo_check.engine.objectives.tv_trpo import TabularSample, tv_trpo_maximizer, unit_tv_maximizer

EXACT_OBJECTIVES = ("apc", "tv_trpo")


def tv_trpo_update(sample: TabularSample, delta: float) -> Tensor:
    """Closed-form sample-based TV-TRPO deviations at per-state TV radius delta: delta Delta-hat* (eqs 70-71)."""
    return delta * unit_tv_maximizer(sample)[0]


def paper_delta(sample: TabularSample, gamma: float) -> float:
    """The paper's radius t* = (1 - gamma) M / (8 gamma ||A||_inf) = delta^(APC-Obj) of eq 72 (Thm D.3)."""
    return tv_trpo_maximizer(sample, gamma).step


def apc_state_gains(sample: TabularSample, deviation: Tensor, delta) -> Tensor:
    """Per state sum_a n A clip(Delta, B), B = max(0, T_s delta - (T_s D_TV(s) - |Delta|)) (eq 57); `delta` is a
    float or a per-state tensor [S, 1]."""
    counts = sample.counts
    used = (counts * deviation.abs()).sum(dim=1, keepdim=True)
    bound = (sample.state_count[:, None] * delta - (used - deviation.abs())).clamp(min=0)
    clipped = torch.maximum(torch.minimum(deviation, bound), -bound)
    return (counts * clipped * sample.advantages).sum(dim=1)


def apc_objective(sample: TabularSample, deviation: Tensor, delta) -> Tensor:
    """Tabular APC-Obj: (1/T) sum n [clip(Delta, B) A + A] (eq 57), equal to the token-level objective with n_{s,a}
    copies of each pair."""
    return (apc_state_gains(sample, deviation, delta).sum() + (sample.counts * sample.advantages).sum()) \
        / sample.counts.sum()


def exact_maxima(bandit: RationalBandit, delta: Fraction, objective: str) -> list[StateMaximum]:
    """Per state, the exact maximum over real policies of APC-Obj at radius delta ("apc", eq 57) or of the penalised
    sample-based TV-TRPO objective whose unconstrained maximiser has radius delta ("tv_trpo", eqs 67-68)."""
    if objective not in EXACT_OBJECTIVES:
        raise ValueError(f"objective: {objective!r} is not one of {EXACT_OBJECTIVES}")
    if objective == "tv_trpo":
        return tv_trpo_batch_maximum(list(bandit.counts), list(bandit.advantages), list(bandit.policy), delta)
    return [apc_maximum(n, a, p, delta) for n, a, p in zip(bandit.counts, bandit.advantages, bandit.policy)]


def exact_update(bandit: RationalBandit, delta: Fraction, objective: str) -> Tensor:
    """The exact maximiser (least-norm maximising vertex per state) as a float64 deviation tensor [S, K]."""
    return as_tensor([m.least_norm for m in exact_maxima(bandit, delta, objective)])


OPTIMISERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def first_order_path(sample: TabularSample, old_policy: Tensor, delta, optimiser: str, lr: float,
                     checkpoints: tuple[int, ...]) -> dict[int, Tensor]:
    """APC-Obj ascended over softmax logits theta from theta_old at a constant learning rate; pi/pi_old - 1 at each
    checkpoint step. `delta` is a float or a per-state tensor [S, 1]."""
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser: {optimiser!r} is not one of {tuple(OPTIMISERS)}")
    logits = old_policy.log().clone().requires_grad_(True)
    step = OPTIMISERS[optimiser]([logits], lr=lr)
    found = {}
    for index in range(1, max(checkpoints) + 1):
        step.zero_grad()
        (-apc_objective(sample, torch.softmax(logits, dim=1) / old_policy - 1, delta)).backward()
        step.step()
        if index in checkpoints:
            found[index] = (torch.softmax(logits, dim=1) / old_policy - 1).detach()
    return found


def relative_distance(sample: TabularSample, update: Tensor, reference: Tensor) -> float:
    """||update - reference||_n / ||reference||_n over sampled pairs (n-weighted L2, the tie rule's norm in D.1)."""
    n = sample.counts
    return float(((n * (update - reference) ** 2).sum() / (n * reference**2).sum().clamp(min=1e-300)).sqrt())


def state_distances(sample: TabularSample, update: Tensor, reference: Tensor) -> Tensor:
    """relative_distance per state, [S]."""
    n = sample.counts
    return ((n * (update - reference) ** 2).sum(dim=1) / (n * reference**2).sum(dim=1).clamp(min=1e-300)).sqrt()


def probability_violation(sample: TabularSample, deviation: Tensor) -> float:
    """max_s |sum_a n Delta| / T_s: how far an update is from the sample probability constraint (65)."""
    return float(((sample.counts * deviation).sum(dim=1).abs() / sample.state_count).max())
