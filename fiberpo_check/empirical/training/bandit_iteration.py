"""Policy iteration on a contextual bandit with each method's surrogate: expected return per iteration."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import torch
from torch import Tensor

from fiberpo_check.envs.bandit import ContextualBandit, rational_sample, tabulate
from fiberpo_check.empirical.training.bandit_updates import exact_update
from fiberpo_check.engine.objectives import method as rgf_method
from fiberpo_check.engine.objectives import surrogate


@dataclass(frozen=True)
class IterationConfig:
    """Bandit size, pulls per state and iteration, inner Adam steps, and each method's hyperparameters."""

    states: int = 8
    arms: int = 4
    pulls_per_state: int = 32
    iterations: int = 30
    inner_steps: int = 20
    lr: float = 0.1
    hyper: dict = field(default_factory=dict)


def token_batch(arms: Tensor, rewards: Tensor) -> dict:
    """Each pull as a one-token trajectory, grouped by state; advantage = reward - state sample mean (GRPO-style)."""
    states = torch.arange(arms.shape[0]).repeat_interleave(arms.shape[1])
    advantages = (rewards - rewards.mean(dim=1, keepdim=True)).reshape(-1)
    return {"states": states, "arms": arms.reshape(-1), "advantages": advantages}


def surrogate_step(method: str, logits: Tensor, batch: dict, config: IterationConfig) -> Tensor:
    """New logits after `inner_steps` Adam steps on the method's surrogate, ratios taken against the old policy."""
    old_log_prob = torch.log_softmax(logits, dim=1)[batch["states"], batch["arms"]][:, None].detach()
    mask = torch.ones_like(old_log_prob, dtype=torch.bool)
    hyper = {**config.hyper.get(method, {}), **{name: batch["states"][:, None] for name in rgf_method(method).ids}}
    theta = logits.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([theta], lr=config.lr)
    for _ in range(config.inner_steps):
        optimizer.zero_grad()
        log_prob = torch.log_softmax(theta, dim=1)[batch["states"], batch["arms"]][:, None]
        (-surrogate(method, log_prob, old_log_prob, batch["advantages"], mask, **hyper)).backward()
        optimizer.step()
    return theta.detach()


def exact_step(objective: str, policy: Tensor, arms: Tensor, rewards: Tensor, delta: float) -> Tensor:
    """New policy pi_old (1 + Delta), Delta the exact maximiser over real policies of APC-Obj or TV-TRPO at delta."""
    sample = tabulate(arms, rewards, policy.shape[1])
    bandit = rational_sample(sample, policy)
    deviation = exact_update(bandit, Fraction(delta).limit_denominator(1 << 20), objective)
    new = bandit.old_policy() * (1 + deviation)
    return new / new.sum(dim=1, keepdim=True)


EXACT_METHODS = {"apc_exact": "apc", "tv_trpo_exact": "tv_trpo"}


def policy_iteration(method: str, config: IterationConfig, seed: int) -> list[float]:
    """Expected return J(pi_k) for k = 0..iterations under `method` (env and sampling seeded by `seed`).

    apc_exact / tv_trpo_exact use the exact maximiser of their objective (hyperparameters under "apc" /
    "tv_trpo"); the other methods take `inner_steps` Adam steps on their surrogate."""
    env = ContextualBandit.random(config.states, config.arms, seed)
    gen = torch.Generator().manual_seed(seed + 1)
    policy = torch.full((config.states, config.arms), 1 / config.arms, dtype=torch.float64)
    returns = [float(env.expected_return(policy))]
    for _ in range(config.iterations):
        arms, rewards = env.pull(policy, config.pulls_per_state, gen)
        if method in EXACT_METHODS:
            objective = EXACT_METHODS[method]
            policy = exact_step(objective, policy, arms, rewards, config.hyper[objective]["delta"])
        else:
            logits = surrogate_step(method, policy.log(), token_batch(arms, rewards), config)
            policy = torch.softmax(logits, dim=1)
        returns.append(float(env.expected_return(policy)))
    return returns
