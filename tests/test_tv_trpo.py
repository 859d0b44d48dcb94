"""Sample-based TV-TRPO (Def D.1, eqs 67-68) and its closed-form maximizer (Thm D.3) against linear programming."""

import math

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from fiberpo_check import surrogate
from fiberpo_check.engine.objectives.apc import delta_main_text
from fiberpo_check.engine.objectives.tv_trpo import (
    TabularSample,
    objective,
    penalty_coefficient,
    reduced_objective,
    state_tv,
    tv_trpo_maximizer,
)


def bandit(seed: int, n_states: int, n_actions: int, centred: bool = True) -> TabularSample:
    """Random multiplicities and advantages (centred per state by eq 66 unless told otherwise), random Gamma(s)."""
    gen = torch.Generator().manual_seed(seed)
    counts = torch.randint(0, 6, (n_states, n_actions), generator=gen)
    counts[:, 0] += 1  # every state sampled
    adv = torch.randn(n_states, n_actions, generator=gen, dtype=torch.float64)
    if centred:
        adv = adv - (counts * adv).sum(1, keepdim=True) / counts.sum(1, keepdim=True)
    mass = counts.sum(1).double() * torch.rand(n_states, generator=gen, dtype=torch.float64)
    return TabularSample.build(counts, adv, discount_mass=mass)


def unit_tv_linear_program(sample: TabularSample, gamma: float) -> tuple[float, np.ndarray]:
    """max of the linear term of eq 68 over D_TV(s) <= 1 for all s and sum_a n Delta = 0, by scipy's HiGHS."""
    counts, weight = sample.counts.numpy(), sample.state_weight.numpy()
    n_states, n_actions = counts.shape
    gain = (weight[:, None] * counts * sample.advantages.numpy() / (1 - gamma)).ravel()
    size = n_states * n_actions
    tv_rows, balance_rows = np.zeros((n_states, 2 * size)), np.zeros((n_states, 2 * size))
    for s in range(n_states):
        block = slice(s * n_actions, (s + 1) * n_actions)
        tv_rows[s, block] = tv_rows[s, size:][block] = counts[s] / counts[s].sum()
        balance_rows[s, block], balance_rows[s, size:][block] = counts[s], -counts[s]
    result = linprog(
        -np.concatenate([gain, -gain]), A_ub=tv_rows, b_ub=np.ones(n_states), A_eq=balance_rows,
        b_eq=np.zeros(n_states), bounds=(0, None), method="highs",
    )
    assert result.status == 0
    return -result.fun, (result.x[:size] - result.x[size:]).reshape(n_states, n_actions)


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("shape", [(1, 2), (1, 5), (3, 4), (6, 3)])
def test_closed_form_maximizer_attains_the_linear_program_optimum(gamma, shape):
    """j is maximised over t of t V1 - c t^2 with V1 the unit-TV LP value; Thm D.3 must hit t = V1/2c exactly."""
    for seed in range(3):
        sample = bandit(seed, *shape)
        best = tv_trpo_maximizer(sample, gamma)
        v1, unit_lp = unit_tv_linear_program(sample, gamma)
        c = penalty_coefficient(sample.adv_inf_norm, gamma)
        assert math.isclose(v1, best.aggregate_value / (1 - gamma), rel_tol=1e-9)
        assert math.isclose(best.step, v1 / (2 * c), rel_tol=1e-9)
        assert math.isclose(float(reduced_objective(sample, best.delta, gamma)), v1**2 / (4 * c), rel_tol=1e-9)
        torch.testing.assert_close(best.delta, best.step * torch.from_numpy(unit_lp), rtol=1e-7, atol=1e-9)


def test_tv_is_equalised_across_states_with_positive_value():
    sample = bandit(4, 5, 3)
    best = tv_trpo_maximizer(sample, 0.9)
    tv = state_tv(sample, best.delta)
    assert bool((best.state_value > 0).all())
    torch.testing.assert_close(tv, torch.full_like(tv, best.step), rtol=1e-14, atol=0.0)
    assert (sample.counts * best.delta).sum(1).abs().max() < 1e-15  # probability constraint (65)


def test_no_feasible_perturbation_does_better():
    gen = torch.Generator().manual_seed(0)
    sample = bandit(5, 3, 4)
    best = tv_trpo_maximizer(sample, 0.9)
    top = reduced_objective(sample, best.delta, 0.9)
    for _ in range(2000):
        step = torch.randn(sample.counts.shape, generator=gen, dtype=torch.float64) * best.step
        step = step - (sample.counts * step).sum(1, keepdim=True) / sample.counts.sum(1, keepdim=True)
        step = torch.where(sample.counts > 0, step, 0.0)
        scale = 10 ** (-4 * torch.rand(1, generator=gen, dtype=torch.float64))
        assert reduced_objective(sample, best.delta + scale * step, 0.9) <= top + 1e-15


def test_wrong_steps_are_rejected():
    gamma = 0.9
    sample = bandit(6, 3, 4)
    best = tv_trpo_maximizer(sample, gamma)
    top = float(reduced_objective(sample, best.delta, gamma))
    main = delta_main_text(best.aggregate_value, sample.adv_inf_norm, gamma, int(sample.state_count.sum()))
    for wrong in (2 * best.step, best.step / 2, best.step * (1 + 1e-3), main):
        assert float(reduced_objective(sample, wrong * best.unit_delta, gamma)) < top


def test_ties_share_mass_with_least_l2_norm():
    sample = TabularSample.build(torch.tensor([[1, 3, 4]]), torch.tensor([[1.0, 1.0, -1.0]], dtype=torch.float64))
    best = tv_trpo_maximizer(sample, 0.9)
    # n Delta-hat: +T/2 = 4 split over the two best actions with Delta proportional to n: Delta = (0.4, 1.2)
    torch.testing.assert_close(best.unit_delta, torch.tensor([[0.4, 1.2, -1.0]], dtype=torch.float64))
    assert float(state_tv(sample, best.unit_delta)) == pytest.approx(1.0, abs=1e-15)
    flat = TabularSample.build(torch.tensor([[2, 2]]), torch.tensor([[0.5, 0.5]], dtype=torch.float64))
    assert float(tv_trpo_maximizer(flat, 0.9).delta.abs().max()) == 0.0  # M(s) = 0: no update


def test_closed_form_can_leave_the_probability_simplex():
    """Finding: Thm D.3 ignores r >= 0. One state, n = (99, 1), A = (0.01, -0.99), gamma = 0.5: r* = 1 - 3.16 < 0."""
    sample = TabularSample.build(torch.tensor([[99, 1]]), torch.tensor([[0.01, -0.99]], dtype=torch.float64))
    best = tv_trpo_maximizer(sample, 0.5)
    assert best.step == pytest.approx(0.5 * 0.5 / (8 * 0.5 * 0.99), rel=1e-12)
    assert float(1 + best.delta[0, 1]) == pytest.approx(1 - 50 * best.step, rel=1e-12)
    assert float(1 + best.delta[0, 1]) < -2


def test_token_level_objective_equals_tabular_eq68_plus_constant():
    gamma = 0.8
    gen = torch.Generator().manual_seed(3)
    lengths = torch.randint(1, 7, (5,), generator=gen)
    mask = torch.arange(6)[None, :] < lengths[:, None]
    states = torch.randint(0, 3, mask.shape, generator=gen)
    states[0, 0], states[1, 0], states[2, 0] = 0, 1, 2
    actions = torch.randint(0, 2, mask.shape, generator=gen)
    table = torch.randn(3, 2, generator=gen, dtype=torch.float64)
    delta = 0.1 * torch.randn(3, 2, generator=gen, dtype=torch.float64)
    log_ratio = torch.where(mask, torch.log1p(delta[states, actions]), 0.0)
    advantages = torch.where(mask, table[states, actions], 0.0)
    ones = torch.ones(int(mask.sum()), dtype=torch.long)
    counts = torch.zeros(3, 2, dtype=torch.long).index_put((states[mask], actions[mask]), ones, accumulate=True)
    timestep = (mask.cumsum(-1) - 1)[mask].double()
    mass = torch.zeros(3, dtype=torch.float64).index_add(0, states[mask], gamma**timestep)
    sample = TabularSample.build(counts, table, discount_mass=mass, adv_inf_norm=float(advantages.abs().max()))
    constant = (sample.state_weight[:, None] * sample.counts * sample.advantages).sum() / (1 - gamma)
    value = objective(log_ratio, advantages, mask, state_ids=states, gamma=gamma)
    torch.testing.assert_close(value, reduced_objective(sample, torch.where(counts > 0, delta, 0.0), gamma) + constant)
    old = torch.zeros_like(log_ratio)
    registered = surrogate("tv_trpo", log_ratio, old, advantages, mask, state_ids=states, gamma=gamma)
    torch.testing.assert_close(registered, value)


def test_bad_inputs_name_the_argument():
    counts, adv = torch.tensor([[1, 2]]), torch.tensor([[0.5, -0.25]], dtype=torch.float64)
    with pytest.raises(ValueError, match="gamma"):
        tv_trpo_maximizer(TabularSample.build(counts, adv), 1.0)
    with pytest.raises(ValueError, match="counts"):
        TabularSample.build(torch.tensor([[0, 0]]), adv)
    with pytest.raises(ValueError, match="advantages"):
        TabularSample.build(counts, adv[:, :1])
    mask = torch.ones(1, 2, dtype=torch.bool)
    with pytest.raises(ValueError, match="state_ids"):
        objective(torch.zeros(1, 2, dtype=torch.float64), adv, mask, state_ids=torch.zeros(2).long(), gamma=0.9)
