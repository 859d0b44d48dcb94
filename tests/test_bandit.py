"""Bandit checks of Thm D.10: LP maximiser of APC-Obj = closed-form TV-TRPO under (65)-(66), and where it breaks."""

import pytest
import torch

from fiberpo_check import surrogate
from fiberpo_check.envs.bandit import ContextualBandit
from fiberpo_check.experiments.bandit_experiment import llm_regime, old_policy
from fiberpo_check.objectives.tv_trpo import TabularSample
from fiberpo_check.training.bandit_iteration import IterationConfig, policy_iteration
from fiberpo_check.training.bandit_updates import (
    apc_lp_update,
    apc_objective,
    paper_delta,
    probability_violation,
    relative_distance,
    tv_trpo_update,
)

torch.set_num_threads(1)


def exact_sample(seed: int = 0, states: int = 5, arms: int = 4):
    env = ContextualBandit.random(states, arms, seed)
    policy = old_policy(states, arms, seed)
    return env, policy, env.exact_batch(policy, 200)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_identities_hold(seed):
    _, policy, sample = exact_sample(seed)
    assert float((sample.counts * sample.advantages).sum(dim=1).abs().max()) < 1e-10  # (66)
    other = old_policy(*policy.shape, seed + 7)
    assert probability_violation(sample, other / policy - 1) < 1e-10  # (65) for any policy


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lp_maximiser_equals_closed_form_at_paper_and_small_radius(seed):
    _, policy, sample = exact_sample(seed)
    for delta in (paper_delta(sample, 0.99), 0.01):
        tv = tv_trpo_update(sample, delta)
        assert bool((tv >= -1).all())
        assert relative_distance(sample, apc_lp_update(sample, delta), tv) < 1e-8
        assert relative_distance(sample, apc_lp_update(sample, delta, policy), tv) < 1e-8


def test_negative_control_wrong_radius_is_rejected():
    _, _, sample = exact_sample()
    assert relative_distance(sample, apc_lp_update(sample, 0.02), tv_trpo_update(sample, 0.01)) > 0.5


def test_closed_form_leaves_the_simplex_at_large_radius():
    _, policy, sample = exact_sample()
    delta = 0.6
    tv = tv_trpo_update(sample, delta)
    assert bool((tv < -1).any())
    assert relative_distance(sample, apc_lp_update(sample, delta, policy), tv) > 1e-3


def test_tabular_apc_matches_token_level_objective():
    gen = torch.Generator().manual_seed(3)
    counts = torch.tensor([[2.0, 1.0, 3.0], [1.0, 4.0, 0.0]])
    advantages = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    deviation = 0.3 * torch.randn(2, 3, generator=gen, dtype=torch.float64)
    sample = TabularSample.build(counts, advantages)
    state, arm = zip(*[(s, a) for s in range(2) for a in range(3) for _ in range(int(counts[s, a]))])
    state, arm = torch.tensor(state), torch.tensor(arm)
    log_ratio = torch.log1p(deviation[state, arm])[None]
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    for delta in (0.05, 0.3, 2.0):
        token = surrogate(
            "apc",
            log_ratio,
            torch.zeros_like(log_ratio),
            sample.advantages[state, arm][None],
            mask,
            state_ids=state[None],
            delta=delta,
        )
        assert float(apc_objective(sample, deviation, delta)) == pytest.approx(float(token), abs=1e-12)


def test_sampled_bandit_breaks_probability_identity():
    env, policy, _ = exact_sample()
    sample = env.sampled_batch(policy, 6, torch.Generator().manual_seed(0))
    apc = apc_lp_update(sample, 0.1, policy)
    assert probability_violation(sample, apc) > 1e-3
    assert probability_violation(sample, tv_trpo_update(sample, 0.1)) < 1e-12


def test_llm_regime_reduces_to_hard_clip_and_zero_tv_trpo():
    result = llm_regime({"llm_tokens": 12, "sample_delta": 0.1})
    assert result["apc_minus_hard_clip"] < 1e-12
    assert result["tv_trpo_update_norm"] == 0


def test_policy_iteration_is_deterministic():
    config = IterationConfig(
        states=3,
        arms=3,
        pulls_per_state=8,
        iterations=2,
        inner_steps=2,
        hyper={"fiberpo": {"c_pos": 0.12, "c_neg": 0.08, "eps": 0.02}, "tv_trpo": {"delta": 0.1}},
    )
    for method in ("fiberpo", "tv_trpo"):
        assert policy_iteration(method, config, 4) == policy_iteration(method, config, 4)
