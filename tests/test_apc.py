"""APC-Obj (eqs 3, 57-59): the coupled clip, its regimes (P)/(R)/(Z) (App. C.2) and the two delta formulas."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from fiberpo_check import surrogate
from fiberpo_check.engine.gates import hard_clip
from fiberpo_check.engine.objectives.apc import apc_gate, apc_regime, delta_appendix, delta_main_text, objective
from fiberpo_check.engine.objectives.tv_trpo import TabularSample, tv_trpo_maximizer


def one_state(deviations: list[float]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Log-ratios of the given r - 1 in one row, all at the same state."""
    log_ratio = torch.log1p(torch.tensor([deviations], dtype=torch.float64))
    return log_ratio, torch.ones_like(log_ratio, dtype=torch.bool), torch.zeros_like(log_ratio, dtype=torch.long)


@pytest.mark.parametrize(
    "deviations, expected, regime",
    [
        ([0.25, -0.125], [0.25, -0.125], [0, 0]),  # (P): D_TV = 0.1875 <= delta, clip inactive
        ([0.75, -0.125], [0.375, 0.0], [1, 2]),  # T_s delta = 0.5: B = 0.5 - 0.125 (R), B = 0.5 - 0.75 < 0 (Z)
        ([0.375, -0.25], [0.25, -0.125], [1, 1]),  # B = 0.5 - 0.25 and B = 0.5 - 0.375: both (R)
    ],
)
def test_coupled_clip_by_hand(deviations, expected, regime):
    log_ratio, mask, states = one_state(deviations)
    gate = apc_gate(log_ratio, mask, state_ids=states, delta=0.25)
    torch.testing.assert_close(gate - 1, torch.tensor([expected], dtype=torch.float64), rtol=0, atol=1e-14)
    assert apc_regime(log_ratio, mask, state_ids=states, delta=0.25).tolist() == [regime]


def random_batch(seed: int, n_states: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Ragged batch of log-ratios at a few shared states, NaN at masked positions."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 9, (6,), generator=gen)
    mask = torch.arange(8)[None, :] < lengths[:, None]
    log_ratio = 0.3 * torch.randn(mask.shape, generator=gen, dtype=torch.float64)
    states = torch.randint(0, n_states, mask.shape, generator=gen)
    return torch.where(mask, log_ratio, float("nan")), mask, states


@given(seed=st.integers(0, 2**16), n_states=st.integers(1, 5), delta=st.floats(0.0, 0.5))
def test_regimes_61_63_match_the_clip(seed, n_states, delta):
    log_ratio, mask, states = random_batch(seed, n_states)
    deviation = torch.expm1(log_ratio)[mask]
    clipped = (apc_gate(log_ratio, mask, state_ids=states, delta=delta) - 1)[mask]
    regime = apc_regime(log_ratio, mask, state_ids=states, delta=delta)[mask]
    tol = 1e-12
    assert torch.allclose(clipped[regime == 0], deviation[regime == 0], atol=tol)
    rollback = regime == 1
    assert bool((clipped[rollback].abs() < deviation[rollback].abs() + tol).all())
    assert bool((clipped[rollback] * deviation[rollback] > 0).all())
    assert bool((clipped[regime == 2].abs() < tol).all())


def test_all_three_regimes_are_visited():
    log_ratio, mask, states = random_batch(3, 4)
    visited = set()
    for delta in (0.05, 0.15, 0.3, 1.0):
        visited |= set(apc_regime(log_ratio, mask, state_ids=states, delta=delta)[mask].tolist())
    assert visited == {0, 1, 2}


def test_relabelling_states_changes_nothing():
    log_ratio, mask, states = random_batch(5, 4)
    relabel = torch.tensor([-7, 1000, 3, 42])
    for delta in (0.02, 0.1, 0.3):
        reference = apc_gate(log_ratio, mask, state_ids=states, delta=delta)[mask]
        torch.testing.assert_close(apc_gate(log_ratio, mask, state_ids=relabel[states], delta=delta)[mask], reference)


def test_masked_positions_are_ignored():
    log_ratio, mask, states = random_batch(6, 3)
    garbage_ratio = torch.where(mask, log_ratio, 5.0)
    garbage_states = torch.where(mask, states, 0)  # masked tokens labelled with a real state
    for delta in (0.05, 0.2):
        reference = apc_gate(log_ratio, mask, state_ids=states, delta=delta)[mask]
        gate = apc_gate(garbage_ratio, mask, state_ids=garbage_states, delta=delta)
        torch.testing.assert_close(gate[mask], reference)


def test_one_sample_per_state_is_the_symmetric_ratio_clip():
    """LLM regime T_s = 1: B = delta for every token, so G_APC = clip(r, 1 - delta, 1 + delta) (App. C.5.1)."""
    log_ratio, mask, _ = random_batch(7, 1)
    unique_states = torch.arange(mask.numel()).reshape(mask.shape)
    gate = apc_gate(log_ratio, mask, state_ids=unique_states, delta=0.1)
    torch.testing.assert_close(gate[mask], hard_clip(torch.exp(log_ratio[mask]), 0.9, 1.1))


def test_objective_is_token_mean_of_gate_times_advantage_and_registered():
    log_ratio, mask, states = random_batch(8, 3)
    advantages = torch.where(mask, torch.randn(mask.shape, dtype=torch.float64), 0.0)
    gate = apc_gate(log_ratio, mask, state_ids=states, delta=0.1)
    expected = (gate * advantages)[mask].sum() / mask.sum()
    torch.testing.assert_close(objective(log_ratio, advantages, mask, state_ids=states, delta=0.1), expected)
    old = torch.zeros_like(log_ratio)
    value = surrogate("apc", torch.nan_to_num(log_ratio), old, advantages, mask, state_ids=states, delta=0.1)
    torch.testing.assert_close(value, expected)


def test_bad_inputs_name_the_argument():
    log_ratio, mask, states = random_batch(9, 2)
    with pytest.raises(ValueError, match="state_ids"):
        apc_gate(log_ratio, mask, state_ids=states.double(), delta=0.1)
    with pytest.raises(ValueError, match="state_ids"):
        apc_gate(log_ratio, mask, state_ids=states[:, :3], delta=0.1)
    with pytest.raises(ValueError, match="delta"):
        apc_gate(log_ratio, mask, state_ids=states, delta=-0.1)
    with pytest.raises(ValueError, match="gamma"):
        delta_appendix(1.0, 1.0, 0.0)


def bandit(seed: int, n_states: int = 3, n_actions: int = 4) -> TabularSample:
    """A random tabular sample with centred advantages per state (eq 66)."""
    gen = torch.Generator().manual_seed(seed)
    counts = torch.randint(1, 6, (n_states, n_actions), generator=gen)
    adv = torch.randn(n_states, n_actions, generator=gen, dtype=torch.float64)
    adv = adv - (counts * adv).sum(1, keepdim=True) / counts.sum(1, keepdim=True)
    return TabularSample.build(counts, adv)


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
def test_appendix_delta_is_the_tv_trpo_step_and_main_text_delta_is_not(gamma):
    sample = bandit(int(gamma * 100))
    best = tv_trpo_maximizer(sample, gamma)
    total = int(sample.state_count.sum())
    appendix = delta_appendix(best.aggregate_value, sample.adv_inf_norm, gamma)
    main = delta_main_text(best.aggregate_value, sample.adv_inf_norm, gamma, total)
    assert math.isclose(appendix, best.step, rel_tol=1e-14)
    assert math.isclose(main / appendix, (1 - gamma) / total, rel_tol=1e-12)
    assert main < appendix / 10


def test_with_the_main_text_delta_the_tv_trpo_update_is_clipped():
    """At Delta* = t* Delta-hat*, delta of eq 72 leaves every token in (P); the p. 5 delta clips them ((R)/(Z))."""
    gamma = 0.9
    sample = bandit(11, n_states=2, n_actions=3)
    best = tv_trpo_maximizer(sample, gamma)
    counts = sample.counts.long()
    state = torch.arange(2)[:, None].expand_as(counts)
    action = torch.arange(3)[None, :].expand_as(counts)
    tokens_state = torch.repeat_interleave(state.flatten(), counts.flatten())
    tokens_action = torch.repeat_interleave(action.flatten(), counts.flatten())
    log_ratio = torch.log1p(best.delta[tokens_state, tokens_action])[None, :]
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    total = int(counts.sum())
    appendix = delta_appendix(best.aggregate_value, sample.adv_inf_norm, gamma) * (1 + 1e-12)
    main = delta_main_text(best.aggregate_value, sample.adv_inf_norm, gamma, total)
    in_region = apc_regime(log_ratio, mask, state_ids=tokens_state[None, :], delta=appendix)
    clipped = apc_regime(log_ratio, mask, state_ids=tokens_state[None, :], delta=main)
    assert set(in_region.flatten().tolist()) == {0}
    assert 0 not in set(clipped.flatten().tolist())


def test_both_deltas_vanish_at_gamma_one():
    assert delta_appendix(0.7, 1.0, 1.0) == 0.0 and delta_main_text(0.7, 1.0, 1.0, 10) == 0.0
