"""Contextual bandit (S states, K arms): exact-expectation and sampled batches as tabular samples (App. D.1)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..objectives.tv_trpo import TabularSample


@dataclass(frozen=True)
class ContextualBandit:
    """Gaussian-reward bandit: mean reward table [S, K], reward noise std and a uniform state distribution."""

    mean_reward: Tensor
    noise: float = 1.0

    @classmethod
    def random(cls, states: int, arms: int, seed: int, noise: float = 1.0) -> "ContextualBandit":
        """Mean rewards drawn i.i.d. N(0, 1) from `seed` (float64)."""
        gen = torch.Generator().manual_seed(seed)
        return cls(torch.randn(states, arms, generator=gen, dtype=torch.float64), noise)

    def expected_return(self, policy: Tensor) -> Tensor:
        """J(pi) = mean_s sum_a pi(a|s) mu(s, a)."""
        return (policy * self.mean_reward).sum(dim=1).mean()

    def exact_batch(self, policy: Tensor, pulls_per_state: float) -> TabularSample:
        """Multiplicities n = T_s pi_old, advantages A = mu - V: identities (65) and (66) hold exactly."""
        value = (policy * self.mean_reward).sum(dim=1, keepdim=True)
        return TabularSample.build(pulls_per_state * policy, self.mean_reward - value)

    def pull(self, policy: Tensor, pulls_per_state: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        """Arms [S, N] drawn from policy and their noisy rewards [S, N]."""
        arms = torch.multinomial(policy, pulls_per_state, replacement=True, generator=gen)
        noise = self.noise * torch.randn(arms.shape, generator=gen, dtype=policy.dtype)
        return arms, self.mean_reward.gather(1, arms) + noise

    def sampled_batch(self, policy: Tensor, pulls_per_state: int, gen: torch.Generator) -> TabularSample:
        """Counts n from `pulls_per_state` draws per state; A = arm's sample-mean reward minus the state's sample mean.

        With this baseline (66) holds exactly on the sample; (65) holds only approximately.
        """
        return tabulate(*self.pull(policy, pulls_per_state, gen), policy.shape[1])


def tabulate(arms: Tensor, rewards: Tensor, n_arms: int) -> TabularSample:
    """Counts and centred per-arm advantages of pulls [S, N] (identity (66) exact on the sample)."""
    counts = torch.zeros(arms.shape[0], n_arms, dtype=rewards.dtype).scatter_add_(1, arms, torch.ones_like(rewards))
    sums = torch.zeros_like(counts).scatter_add_(1, arms, rewards)
    centred = sums / counts.clamp(min=1) - rewards.mean(dim=1, keepdim=True)
    return TabularSample.build(counts, torch.where(counts > 0, centred, torch.zeros_like(centred)))
