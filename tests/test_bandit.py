"""Bandit checks of Thm D.10 with exact maximisers: APC-Obj's maximiser over policies against the penalised sample-based
TV-TRPO objective's (eq 67) and Thm D.3's update."""

import itertools
from fractions import Fraction as F

import pytest
import torch

from fiberpo_check import surrogate
from fiberpo_check.envs.bandit import ContextualBandit, identity_bandit, rational_sample
from fiberpo_check.empirical.experiments.bandit_experiment import minimal_counterexample, old_policy
from fiberpo_check.empirical.experiments.bandit_verdicts import control_summary, llm_regime_outcome
from fiberpo_check.empirical.training.bandit_exact import (
    apc_maximum,
    apc_state_gain,
    closed_form,
    paper_radius,
    tv_ball_maximum,
    tv_breakpoints,
    tv_trpo_batch_maximum,
    tv_trpo_objective,
    tv_trpo_penalty,
)
from fiberpo_check.empirical.training.bandit_iteration import IterationConfig, policy_iteration
from fiberpo_check.empirical.training.bandit_updates import (
    apc_objective,
    apc_state_gains,
    first_order_path,
    tv_trpo_update,
)
from fiberpo_check.engine.objectives.tv_trpo import TabularSample
from fiberpo_check.empirical.experiments.experiment_verdicts import CHECKS
from fiberpo_check.vocabulary.verdicts import Status

torch.set_num_threads(1)


def test_two_arm_state_by_hand():
    counts, adv, policy = (F(1), F(1)), (F(1, 2), F(-1, 2)), (F(1, 2), F(1, 2))
    found = apc_maximum(counts, adv, policy, F(1, 4))
    assert found.argmax == ((F(1, 4), F(-1, 4)),) == (closed_form(counts, adv, F(1, 4)),)
    assert found.value == F(1, 4)  # sum n A Delta = 1/2 * 1/4 + 1/2 * 1/4
    wide = apc_maximum(counts, adv, policy, F(19, 8))  # closed form (19/8, -19/8) is not a policy
    assert wide.argmax == ((F(1), F(-1)),)


@pytest.mark.parametrize("seed", [0, 1])
def test_vertex_enumeration_is_the_maximum_of_a_fine_grid(seed):
    bandit = identity_bandit(1, 3, 7, seed)
    counts, adv, policy = bandit.counts[0], bandit.advantages[0], bandit.policy[0]
    for delta in (F(1, 10), F(1, 2)):
        exact = apc_maximum(counts, adv, policy, delta)
        steps = 60
        for i, j in itertools.product(range(steps + 1), repeat=2):  # pi_new on a grid of the simplex
            if i + j <= steps:
                pi_new = (F(i, steps), F(j, steps), F(steps - i - j, steps))
                deviation = tuple(p / q - 1 for p, q in zip(pi_new, policy))
                assert apc_state_gain(counts, adv, delta, deviation) <= exact.value
        assert apc_state_gain(counts, adv, delta, exact.least_norm) == exact.value


def test_identity_family_satisfies_65_and_66_exactly():
    bandit = identity_bandit(4, 3, 12, 0)
    for n, a, p in zip(bandit.counts, bandit.advantages, bandit.policy):
        assert sum(x * y for x, y in zip(n, a)) == 0  # (66)
        assert all(x == sum(n) * q for x, q in zip(n, p))  # n = T_s pi_old, so (65) is the policy constraint
        assert all(x.denominator == 1 and x >= 1 for x in n)


def test_apc_maximiser_is_the_closed_form_exactly_when_it_is_a_policy():
    bandit = identity_bandit(3, 3, 12, 2)
    for n, a, p in zip(bandit.counts, bandit.advantages, bandit.policy):
        for delta in (F(1, 50), F(1, 10), F(3, 5)):
            closed = closed_form(n, a, delta)
            is_policy = min(closed) >= -1
            assert (apc_maximum(n, a, p, delta).argmax == (closed,)) == is_policy
            assert is_policy == (delta <= 2 * min(p))
            tv = tv_trpo_batch_maximum([n], [a], [p], delta)[0]
            assert (apc_maximum(n, a, p, delta).least_norm == tv.least_norm) == is_policy


def test_fractional_multiplicities_leave_the_trust_region():
    bandit = identity_bandit(1, 3, 12, 0, fractional=True)
    n, a, p = bandit.counts[0], bandit.advantages[0], bandit.policy[0]
    found = apc_maximum(n, a, p, F(1, 10))
    assert found.argmax != (closed_form(n, a, F(1, 10)),)
    assert sum(x * abs(d) for x, d in zip(n, found.least_norm)) > sum(n) * F(1, 10)  # TV beyond delta


def test_minimal_counterexample_is_the_uniform_three_arm_state():
    text = minimal_counterexample([0.05, 0.9])
    assert text.startswith("gamma = 0.05: n = (1, 1, 1)") and "delta = 19/8" in text
    assert minimal_counterexample([0.9]) == ""


def test_penalised_tv_trpo_witness_in_rationals():
    """One state, n = (1, 1, 1), pi_old uniform, A = (1, 0, -1), gamma = 1/9: M = 1, delta = t* = 1; APC-Obj's
    maximiser over policies is (3/2, -1/2, -1), penalised TV-TRPO's (eq 67) is (1, 0, -1)."""
    n, p, a = (F(1),) * 3, (F(1, 3),) * 3, (F(1), F(0), F(-1))
    delta = paper_radius([n], [a], F(1, 9))
    assert delta == 1 and tv_trpo_penalty([n], [a], delta) == 4 * F(1, 9) / (1 - F(1, 9))  # eq 67's coefficient
    assert apc_maximum(n, a, p, delta).argmax == ((F(3, 2), F(-1, 2), F(-1)),)
    tv = tv_trpo_batch_maximum([n], [a], [p], delta)[0]
    assert tv.argmax == ((F(1), F(0), F(-1)),)
    value = tv_trpo_objective([n], [a], delta, [tv.least_norm])
    assert value == F(4, 9) > tv_trpo_objective([n], [a], delta, [(F(3, 2), F(-1, 2), F(-1))]) == F(1, 3)
    steps = 24  # no policy on a grid of the simplex does better than the exact maximiser
    for i, j in itertools.product(range(steps + 1), repeat=2):
        if i + j <= steps:
            deviation = tuple(F(k, steps) / q - 1 for k, q in zip((i, j, steps - i - j), p))
            assert tv_trpo_objective([n], [a], delta, [deviation]) <= value


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tv_ball_maximum_is_linear_between_breakpoints(seed):
    bandit = identity_bandit(1, 3, 7, seed)
    n, a, p = bandit.counts[0], bandit.advantages[0], bandit.policy[0]
    radii = sorted(tv_breakpoints(n, p))
    f = [tv_ball_maximum(n, a, p, t).value if t else 0 for t in radii]
    for (t0, f0), (t1, f1) in zip(zip(radii, f), zip(radii[1:], f[1:])):
        for w in (F(1, 3), F(1, 2), F(5, 7)):
            assert tv_ball_maximum(n, a, p, t0 + w * (t1 - t0)).value == f0 + w * (f1 - f0)
    assert tv_ball_maximum(n, a, p, radii[-1] + 1).value == f[-1]  # flat beyond the last breakpoint


def test_batch_maximiser_beats_every_common_radius():
    bandit = identity_bandit(2, 3, 6, 3)
    counts, adv, pol = list(bandit.counts), list(bandit.advantages), list(bandit.policy)
    delta = F(1, 2)
    best = tv_trpo_objective(counts, adv, delta, [m.least_norm for m in tv_trpo_batch_maximum(counts, adv, pol, delta)])
    for k in range(0, 60):
        t = F(k, 20)
        others = [tv_ball_maximum(n, a, p, t).least_norm for n, a, p in zip(counts, adv, pol)]
        assert tv_trpo_objective(counts, adv, delta, others) <= best


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
        token = surrogate("apc", log_ratio, torch.zeros_like(log_ratio), sample.advantages[state, arm][None], mask,
                          state_ids=state[None], delta=delta)
        assert float(apc_objective(sample, deviation, delta)) == pytest.approx(float(token), abs=1e-12)
        exact = apc_state_gain(tuple(F(int(c)) for c in counts[0]), tuple(F(float(x)) for x in advantages[0]),
                               F(delta), tuple(F(float(x)) for x in deviation[0]))
        assert float(exact) == pytest.approx(float(apc_state_gains(sample, deviation, delta)[0]), abs=1e-12)


def test_sampled_closed_form_is_not_a_policy_update():
    env = ContextualBandit.random(3, 3, 0)
    policy = old_policy(3, 3, 0)
    sample = env.sampled_batch(policy, 6, torch.Generator().manual_seed(0))
    closed = tv_trpo_update(sample, 0.1)
    assert float((policy * closed).sum(dim=1).abs().max()) > 1e-3  # violates sum_a pi_old Delta = 0
    bandit = rational_sample(sample, policy)
    assert all(sum(p) == 1 for p in bandit.policy)


def test_first_order_path_records_checkpoints():
    bandit = identity_bandit(2, 3, 12, 0)
    path = first_order_path(bandit.tabular(), bandit.old_policy(), 0.1, "adam", 0.01, (1, 5))
    assert sorted(path) == [1, 5] and path[5].shape == (2, 3)
    with pytest.raises(ValueError, match="optimiser"):
        first_order_path(bandit.tabular(), bandit.old_policy(), 0.1, "lbfgs", 0.01, (1,))


def test_exact_training_is_deterministic():
    config = IterationConfig(states=2, arms=3, pulls_per_state=6, iterations=2, inner_steps=2,
                             hyper={"apc": {"delta": 0.1}, "tv_trpo": {"delta": 0.1}})
    apc, tv = policy_iteration("apc_exact", config, 4), policy_iteration("tv_trpo_exact", config, 4)
    assert apc == policy_iteration("apc_exact", config, 4) and tv == policy_iteration("tv_trpo_exact", config, 4)
    assert apc[-1] != apc[0] and tv[-1] != tv[0]


def test_llm_regime_is_checked_and_can_fail():
    assert llm_regime_outcome().holds
    mutated = llm_regime_outcome(bound_uses_own_entry=True)
    assert not mutated.holds and mutated.counterexample


def test_apc6_and_emp3_statuses_follow_the_exact_maximisers():
    from fiberpo_check.empirical.experiments.bandit_verdicts import apc6_check, emp3_check

    kept = control_summary(gammas=(0.9,))
    subs = {s.id: s.status for s in apc6_check(kept)}
    assert subs["APC-6/thm-D10"] is Status.VERIFIED_EXHAUSTIVELY
    assert subs["APC-6/multiplicities"] is Status.HOLDS_WITH_CONDITIONS
    relative = kept.contrasts["apc_exact"].relative  # equivalence: the paired interval inside +- margin, nothing else
    within = -kept.margin <= relative.low and relative.high <= kept.margin
    expected = Status.SUPPORTED if within else Status.NOT_SUPPORTED
    assert {s.id: s.status for s in emp3_check(kept)}["EMP-3/exact-training"] is expected


def test_registered_controls_reach_negative_statuses():
    found = {}
    for check in CHECKS:
        if check.claim_id not in ("APC-6", "EMP-3"):
            continue
        for name, control in check.controls.items():
            statuses = {s.id: s.status for s in control() if s.role == "result"}
            found[(check.claim_id, name)] = statuses
    assert found[("APC-6", "apc-at-twice-the-radius")]["APC-6/thm-D10"] is Status.REFUTED
    assert found[("APC-6", "gamma-0.05-closed-form-off-simplex")]["APC-6/thm-D10"] is Status.HOLDS_WITH_CONDITIONS
    assert found[("EMP-3", "apc-trained-at-twice-the-radius")]["EMP-3/exact-training"] is Status.NOT_SUPPORTED
