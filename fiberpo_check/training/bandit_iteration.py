"""Policy iteration on a contextual bandit with each method's surrogate: expected return per iteration."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..envs.bandit import ContextualBandit, tabulate
from ..objectives import surrogate
from .bandit_updates import tv_trpo_update


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
    hyper = dict(config.hyper.get(method, {}))
    if method == "apc":
        hyper["state_ids"] = batch["states"][:, None]
    theta = logits.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([theta], lr=config.lr)
    for _ in range(config.inner_steps):
        optimizer.zero_grad()
        log_prob = torch.log_softmax(theta, dim=1)[batch["states"], batch["arms"]][:, None]
        (-surrogate(method, log_prob, old_log_prob, batch["advantages"], mask, **hyper)).backward()
        optimizer.step()
    return theta.detach()


def tv_trpo_step(logits: Tensor, arms: Tensor, rewards: Tensor, delta: float) -> Tensor:
    """Closed-form TV-TRPO update (Thm D.3 at radius delta), projected to a valid policy (r >= 0, renormalised)."""
    policy = torch.softmax(logits, dim=1)
    sample = tabulate(arms, rewards, policy.shape[1])
    new = (policy * (1 + tv_trpo_update(sample, delta))).clamp(min=1e-12)
    return torch.log(new / new.sum(dim=1, keepdim=True))


def policy_iteration(method: str, config: IterationConfig, seed: int) -> list[float]:
    """Expected return J(pi_k) for k = 0..iterations under `method` (env and sampling seeded by `seed`)."""
    env = ContextualBandit.random(config.states, config.arms, seed)
    gen = torch.Generator().manual_seed(seed + 1)
    logits = torch.zeros(config.states, config.arms, dtype=torch.float64)
    returns = [float(env.expected_return(torch.softmax(logits, dim=1)))]
    for _ in range(config.iterations):
        arms, rewards = env.pull(torch.softmax(logits, dim=1), config.pulls_per_state, gen)
        if method == "tv_trpo":
            logits = tv_trpo_step(logits, arms, rewards, config.hyper["tv_trpo"]["delta"])
        else:
            logits = surrogate_step(method, logits, token_batch(arms, rewards), config)
        returns.append(float(env.expected_return(torch.softmax(logits, dim=1))))
    return returns
