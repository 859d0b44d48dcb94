"""Contextual bandit (S states, K arms): exact-expectation and sampled batches as tabular samples (App. D.1)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import torch
from torch import Tensor

from fiberpo_check.engine.objectives.tv_trpo import TabularSample


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


@dataclass(frozen=True)
class RationalBandit:
    """A bandit batch in exact rationals, per state: multiplicities n, advantages A and the old policy pi_old."""

    counts: tuple[tuple[Fraction, ...], ...]
    advantages: tuple[tuple[Fraction, ...], ...]
    policy: tuple[tuple[Fraction, ...], ...]

    def tabular(self) -> TabularSample:
        """The same batch as a float64 TabularSample."""
        return TabularSample.build(as_tensor(self.counts), as_tensor(self.advantages))

    def old_policy(self) -> Tensor:
        """pi_old as a float64 tensor [S, K]."""
        return as_tensor(self.policy)


def as_tensor(rows) -> Tensor:
    """A float64 tensor of nested rationals."""
    return torch.tensor([[float(x) for x in row] for row in rows], dtype=torch.float64)


def identity_bandit(states: int, arms: int, pulls: int, seed: int, *, fractional: bool = False) -> RationalBandit:
    """(65) and (66) exactly: integer counts n >= 1 summing to T_s = `pulls`, pi_old = n / T_s, mean rewards in
    (1/8) Z drawn distinct, A = mu - sum_a pi_old mu. `fractional` uses the multiplicities n = pi_old (T_s = 1)."""
    if pulls < arms:
        raise ValueError(f"pulls: need at least one pull per arm ({arms}), got {pulls}")
    rng = random.Random(seed)
    counts, advantages, policy = [], [], []
    for _ in range(states):
        cuts = sorted(rng.sample(range(1, pulls), arms - 1))
        n = [Fraction(b - a) for a, b in zip([0, *cuts], [*cuts, pulls])]
        pi = [x / pulls for x in n]
        mu = [Fraction(v, 8) for v in rng.sample(range(-24, 25), arms)]
        value = sum(p * m for p, m in zip(pi, mu))
        counts.append(tuple(pi if fractional else n))
        advantages.append(tuple(m - value for m in mu))
        policy.append(tuple(pi))
    return RationalBandit(tuple(counts), tuple(advantages), tuple(policy))


def rational_sample(sample: TabularSample, policy: Tensor, denominator: int = 1 << 20) -> RationalBandit:
    """A float batch and policy rounded to rationals with the given denominator (pi_old renormalised to sum 1)."""
    def rows(table: Tensor) -> list[list[Fraction]]:
        return [[Fraction(round(float(x) * denominator), denominator) for x in row] for row in table]

    raw = [[max(x, Fraction(1, denominator)) for x in row] for row in rows(policy)]
    pi = tuple(tuple(x / sum(row) for x in row) for row in raw)
    counts = tuple(tuple(Fraction(int(x)) for x in row) for row in sample.counts)
    return RationalBandit(counts, tuple(tuple(r) for r in rows(sample.advantages)), pi)
