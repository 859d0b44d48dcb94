"""An enumerable policy: tabular softmax over every prefix, vocabulary with EOS, short horizon; exact J (App. A)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class TreePolicy:
    """Every trajectory of a depth-`horizon` token tree, listed; token `vocab - 1` is EOS.

    A trajectory ends at EOS or after `horizon` tokens. States are the EOS-free prefixes shorter than the horizon;
    the policy is softmax(theta[state]) with theta of shape [n_states, vocab].
    """

    vocab: int
    horizon: int
    tokens: Tensor  # [N, horizon] long, 0 at padding
    mask: Tensor  # [N, horizon] bool
    states: Tensor  # [N, horizon] long state index of each step (0 at padding)
    rewards: Tensor  # [N] float64
    n_states: int

    @property
    def n_trajectories(self) -> int:
        """Number of listed trajectories N."""
        return self.tokens.shape[0]

    @property
    def lengths(self) -> Tensor:
        """T_tau of every trajectory, [N] float64."""
        return self.mask.sum(-1).to(torch.float64)


def build_tree(vocab: int = 3, horizon: int = 4, *, seed: int = 0, length_bonus: float = 0.0,
               device: str = "cpu") -> TreePolicy:
    """List every trajectory; rewards uniform in [0, 1) (seeded, drawn on CPU) plus `length_bonus` * T_tau."""
    if vocab < 2:
        raise ValueError(f"vocab: need at least one token besides EOS, got {vocab}")
    if horizon < 1:
        raise ValueError(f"horizon: must be >= 1, got {horizon}")
    eos = vocab - 1
    state_index: dict[tuple[int, ...], int] = {}
    for depth in range(horizon):
        for prefix in itertools.product(range(eos), repeat=depth):
            state_index[prefix] = len(state_index)
    sequences = [prefix + (eos,) for prefix in state_index]
    sequences += list(itertools.product(range(eos), repeat=horizon))
    n = len(sequences)
    tokens = torch.zeros(n, horizon, dtype=torch.long)
    states = torch.zeros(n, horizon, dtype=torch.long)
    mask = torch.zeros(n, horizon, dtype=torch.bool)
    for row, seq in enumerate(sequences):
        tokens[row, : len(seq)] = torch.tensor(seq)
        states[row, : len(seq)] = torch.tensor([state_index[seq[:t]] for t in range(len(seq))])
        mask[row, : len(seq)] = True
    gen = torch.Generator().manual_seed(seed)
    rewards = torch.rand(n, generator=gen, dtype=torch.float64) + length_bonus * mask.sum(-1).to(torch.float64)
    return TreePolicy(vocab, horizon, tokens.to(device), mask.to(device), states.to(device), rewards.to(device),
                      len(state_index))


def random_logits(tree: TreePolicy, *, scale: float = 1.0, seed: int = 0) -> Tensor:
    """Seeded Gaussian logits theta [n_states, vocab] (float64, drawn on CPU, on the tree's device)."""
    gen = torch.Generator().manual_seed(seed)
    return scale * torch.randn(tree.n_states, tree.vocab, generator=gen, dtype=torch.float64).to(tree.tokens.device)


def token_log_probs(tree: TreePolicy, theta: Tensor) -> Tensor:
    """log pi_theta(a_t | s_t) of every listed token, [N, horizon], 0 at padding."""
    if theta.shape != (tree.n_states, tree.vocab):
        raise ValueError(f"theta: expected shape {(tree.n_states, tree.vocab)}, got {tuple(theta.shape)}")
    table = torch.log_softmax(theta, dim=-1)
    picked = table[tree.states, tree.tokens]
    return torch.where(tree.mask, picked, torch.zeros((), dtype=picked.dtype, device=picked.device))


def trajectory_probs(tree: TreePolicy, theta: Tensor) -> Tensor:
    """pi_theta(tau) of every listed trajectory, [N]; sums to 1."""
    return torch.exp(token_log_probs(tree, theta).sum(-1))


def true_objective(tree: TreePolicy, theta: Tensor) -> Tensor:
    """J(theta) = sum_tau pi_theta(tau) R(tau), exact (gamma = 1, finite horizon)."""
    return (trajectory_probs(tree, theta) * tree.rewards).sum()


def token_advantages(tree: TreePolicy, theta: Tensor) -> Tensor:
    """Exact A(s_t, a_t) = Q(s_t, a_t) - V(s_t) under pi_theta for every listed token, [N, horizon]."""
    with torch.no_grad():
        probs = trajectory_probs(tree, theta)
        reach = torch.zeros(tree.n_states, dtype=torch.float64, device=probs.device)
        value_mass = torch.zeros(tree.n_states, dtype=torch.float64, device=probs.device)
        weight = torch.where(tree.mask, probs[:, None], 0.0)
        reach = reach.index_add(0, tree.states[tree.mask], weight[tree.mask])
        value_mass = value_mass.index_add(0, tree.states[tree.mask], (weight * tree.rewards[:, None])[tree.mask])
        values = value_mass / reach
        state_value = values[tree.states]
        next_value = torch.cat([state_value[:, 1:], torch.zeros_like(state_value[:, :1])], dim=1)
        has_next = torch.cat([tree.mask[:, 1:], torch.zeros_like(tree.mask[:, :1])], dim=1)
        q = torch.where(has_next, next_value, tree.rewards[:, None])
        return torch.where(tree.mask, q - state_value, torch.zeros((), dtype=torch.float64, device=probs.device))
