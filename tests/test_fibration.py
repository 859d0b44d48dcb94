"""FBG/FGH engine (eqs 4, 26-28) with the paper's objects (App. E.5.4, E.7) against the FiberPO closed forms."""

from dataclasses import replace

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from fiberpo_check import fiberpo_domain_gate, fiberpo_gate
from fiberpo_check.engine.batch import Hierarchy
from fiberpo_check.engine.fibration import (
    Fibration,
    FibrationGatingHierarchy,
    GatingInstance,
    MarkovKernel,
    check_reflecting,
    fbg_gate,
    fgh_gate_compact,
    fgh_gate_expanded,
    gated_ratios,
    markov_defect,
    push_down,
    recovery_defect,
    reflecting_defect,
)
from fiberpo_check.engine.fibration_objects import (
    aggregate_gate,
    channel_budget,
    fiberpo_domain_instance,
    fiberpo_instance,
    signed,
    token_structure,
)
from fiberpo_check.engine.gates import clip_sym, g_agg, gate_regime
from fiberpo_check.engine.objectives.fiberpo import fiberpo_parts
from fiberpo_check.engine.objectives.fiberpo_domain import level_inputs

TOL = dict(rtol=1e-12, atol=1e-12)


def ragged_batch(seed: int, lengths: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-ratios with per-trajectory drift scales over four decades, exact zeros, NaN at masked positions."""
    gen = torch.Generator().manual_seed(seed)
    lengths_t = torch.tensor(lengths)
    mask = torch.arange(max(lengths))[None, :] < lengths_t[:, None]
    scale = 10 ** (-3 + 3 * torch.rand(len(lengths), 1, generator=gen, dtype=torch.float64))
    shift = scale * (torch.rand(len(lengths), 1, generator=gen, dtype=torch.float64) - 0.5)
    log_ratio = shift + scale * torch.randn(mask.shape, generator=gen, dtype=torch.float64)
    log_ratio = torch.where(torch.rand(mask.shape, generator=gen) < 0.05, 0.0, log_ratio)
    return torch.where(mask, log_ratio, float("nan")), mask


def rollback_budget(x: torch.Tensor, k: torch.Tensor) -> float:
    """A budget C putting the median distinct point of |x| mid-way into its rollback band (C, C(1 + 1/k))."""
    points = torch.unique(torch.stack([x.abs(), k]), dim=1)
    r = points[0].argsort()[points.shape[1] // 2]
    return float(points[0, r] / (1 + 0.5 / points[1, r]))


def regimes(x: torch.Tensor, c: float, k: torch.Tensor) -> set[int]:
    """The set of g_agg regimes (0 pass-through, 1 rollback, 2 zeroed) visited by the points x (eq 10)."""
    return set(gate_regime(x, c, k).tolist())


def fiber_saturation(parts, eps: float) -> dict[str, set[bool]]:
    """Which of the numerator/denominator clips of eq 16 are saturated at valid tokens, and which are not."""
    return {
        "numerator": set((parts.same_sign[parts.mask].abs() > eps).tolist()),
        "denominator": set((parts.opposite_sign[parts.mask].abs() > eps).tolist()),
    }


def designed_fiberpo_case(seed: int):
    """A ragged batch with C+-, eps chosen so every base regime per channel and both fiber states occur."""
    gen = torch.Generator().manual_seed(1000 + seed)
    lengths = torch.randint(1, 65, (24,), generator=gen).tolist()
    log_ratio, mask = ragged_batch(seed, lengths)
    probe = fiberpo_parts(log_ratio, mask, c_pos=1.0, c_neg=1.0, eps=1.0)
    c_pos = rollback_budget(probe.log_s_pos, probe.lengths)
    c_neg = rollback_budget(probe.log_s_neg, probe.lengths)
    eps = float(probe.same_sign[mask].abs().median())
    return log_ratio, mask, dict(c_pos=c_pos, c_neg=c_neg, eps=eps)


def designed_domain_case(seed: int):
    """A four-domain batch with per-level budgets putting every level and channel in all three regimes."""
    gen = torch.Generator().manual_seed(2000 + seed)
    group_domain = torch.tensor([0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 3])
    group_ids = torch.repeat_interleave(torch.arange(11), torch.randint(1, 5, (11,), generator=gen))
    domain_ids = group_domain[group_ids] * 7 + 3  # non-contiguous ids
    lengths = torch.randint(1, 65, (group_ids.numel(),), generator=gen).tolist()
    log_ratio, mask = ragged_batch(seed, lengths)
    probe = fiberpo_parts(log_ratio, mask, c_pos=1.0, c_neg=1.0, eps=1.0)
    hierarchy = Hierarchy.from_ids(group_ids, domain_ids, len(lengths))
    t_group, t_domain = hierarchy.level_token_counts(probe.lengths)
    counts = {"domain": t_domain, "group": t_group, "trajectory": probe.lengths}
    inputs = {"pos": level_inputs(probe.log_s_pos, hierarchy), "neg": level_inputs(probe.log_s_neg, hierarchy)}
    budgets = {
        channel: {level: rollback_budget(getattr(inputs[channel], level), counts[level]) for level in counts}
        for channel in inputs
    }
    eps = float(probe.same_sign[mask].abs().median())
    hyper = dict(c_pos=budgets["pos"], c_neg=budgets["neg"], eps=eps)
    return log_ratio, mask, group_ids, domain_ids, hyper, (inputs, counts)


@pytest.mark.parametrize("seed", range(3))
def test_fiberpo_objects_reproduce_eq7_in_every_regime(seed):
    log_ratio, mask, hyper = designed_fiberpo_case(seed)
    parts = fiberpo_parts(log_ratio, mask, **hyper)
    assert regimes(parts.log_s_pos, hyper["c_pos"], parts.lengths) == {0, 1, 2}
    assert regimes(parts.log_s_neg, hyper["c_neg"], parts.lengths) == {0, 1, 2}
    assert fiber_saturation(parts, hyper["eps"]) == {"numerator": {False, True}, "denominator": {False, True}}
    expected = fiberpo_gate(log_ratio, mask, **hyper)[mask]
    instance = fiberpo_instance(mask, **hyper)
    for form in ("compact", "expanded"):
        torch.testing.assert_close(gated_ratios(instance, log_ratio[mask], form), expected, **TOL)


@pytest.mark.parametrize("seed", range(3))
def test_fiberpo_domain_objects_reproduce_eqs_30_33_in_every_regime(seed):
    log_ratio, mask, group_ids, domain_ids, hyper, (inputs, counts) = designed_domain_case(seed)
    for channel, key in (("pos", "c_pos"), ("neg", "c_neg")):
        for level, k in counts.items():
            visited = regimes(getattr(inputs[channel], level), hyper[key][level], k)
            assert visited == {0, 1, 2}, (channel, level, visited)
    expected = fiberpo_domain_gate(log_ratio, mask, group_ids, domain_ids, **hyper)[mask]
    instance = fiberpo_domain_instance(mask, group_ids, domain_ids, **hyper)
    for form in ("compact", "expanded"):
        torch.testing.assert_close(gated_ratios(instance, log_ratio[mask], form), expected, **TOL)


def test_fiberpo_domain_objects_with_the_papers_shared_budget():
    log_ratio, mask, group_ids, domain_ids, hyper, _ = designed_domain_case(7)
    shared = dict(c_pos=0.05, c_neg=0.03, eps=hyper["eps"])
    expected = fiberpo_domain_gate(log_ratio, mask, group_ids, domain_ids, **shared)[mask]
    instance = fiberpo_domain_instance(mask, group_ids, domain_ids, **shared)
    torch.testing.assert_close(gated_ratios(instance, log_ratio[mask]), expected, **TOL)


@given(
    lengths=st.lists(st.integers(1, 64), min_size=1, max_size=10),
    seed=st.integers(0, 2**16),
    c_pos=st.floats(1e-3, 0.5),
    c_neg=st.floats(1e-3, 0.5),
    eps=st.floats(1e-3, 0.5),
    n_groups=st.integers(1, 4),
)
def test_engine_matches_closed_forms_on_ragged_batches(lengths, seed, c_pos, c_neg, eps, n_groups):
    log_ratio, mask = ragged_batch(seed, lengths)
    hyper = dict(c_pos=c_pos, c_neg=c_neg, eps=eps)
    expected = fiberpo_gate(log_ratio, mask, **hyper)[mask]
    torch.testing.assert_close(gated_ratios(fiberpo_instance(mask, **hyper), log_ratio[mask]), expected, **TOL)
    group_ids = torch.arange(len(lengths)) % n_groups
    domain_ids = group_ids % 2
    expected = fiberpo_domain_gate(log_ratio, mask, group_ids, domain_ids, **hyper)[mask]
    instance = fiberpo_domain_instance(mask, group_ids, domain_ids, **hyper)
    for form in ("compact", "expanded"):
        torch.testing.assert_close(gated_ratios(instance, log_ratio[mask], form), expected, **TOL)


def random_hierarchy(seed: int, depth: int) -> FibrationGatingHierarchy:
    """Random strata, fiber-supported random reflecting kernels and nonlinear gates that read p_<k."""
    gen = torch.Generator().manual_seed(seed)
    sizes = [int(torch.randint(1, 4, (1,), generator=gen))]
    fibrations, kernels, gates = [], [], []
    for _ in range(depth):
        fiber = torch.randint(1, 5, (sizes[-1],), generator=gen)
        parent = torch.repeat_interleave(torch.arange(sizes[-1]), fiber)
        parent = parent[torch.randperm(parent.numel(), generator=gen)]
        fibration = Fibration(parent, sizes[-1])
        weight = torch.rand(parent.numel(), generator=gen, dtype=torch.float64) + 0.1
        weight = weight / fibration.push(weight)[parent]
        fibrations.append(fibration)
        kernels.append(MarkovKernel.on_fibers(fibration, weight))
        sizes.append(parent.numel())
    for k in range(depth + 1):
        shift = torch.randn(sizes[k], generator=gen, dtype=torch.float64)
        gates.append(lambda x, lower, shift=shift: torch.tanh(x + shift) + sum(p.sum() for p in lower) * x**2)
    fgh = FibrationGatingHierarchy(tuple(fibrations), tuple(kernels), tuple(gates))
    check_reflecting(fgh)
    return fgh


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_expanded_eq26_equals_compact_eqs27_28(depth):
    for seed in range(5):
        fgh = random_hierarchy(seed, depth)
        sigma = torch.randn(fgh.total_size, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        torch.testing.assert_close(fgh_gate_expanded(fgh, sigma), fgh_gate_compact(fgh, sigma), **TOL)


def test_fgh_with_n_equal_1_is_fbg_eq4():
    log_ratio, mask, hyper = designed_fiberpo_case(0)
    fgh = fiberpo_instance(mask, **hyper).hierarchy
    sigma = fiberpo_instance(mask, **hyper).decompose(log_ratio[mask])
    direct = fbg_gate(fgh.fibrations[0], fgh.kernels[0], fgh.gates[0], fgh.gates[1], sigma)
    torch.testing.assert_close(fgh_gate_compact(fgh, sigma), direct, **TOL)


def test_reflecting_recovery_and_zero_residual_pushforward_hold_for_the_papers_objects():
    log_ratio, mask, group_ids, domain_ids, hyper, _ = designed_domain_case(1)
    for instance in (
        fiberpo_instance(mask, c_pos=0.1, c_neg=0.05, eps=0.02),
        fiberpo_domain_instance(mask, group_ids, domain_ids, **hyper),
    ):
        fgh = instance.hierarchy
        for fibration, kernel in zip(fgh.fibrations, fgh.kernels):
            assert markov_defect(kernel) < 1e-14 and reflecting_defect(fibration, kernel) < 1e-14
        assert recovery_defect(instance, log_ratio[mask]) < 1e-13
        sigma = instance.decompose(log_ratio[mask])
        for k in range(1, fgh.depth + 1):  # pi_k*(sigma_k - K_{k-1} pi_k* sigma_k) = 0 (Def 6.2 (i))
            sigma_k = push_down(fgh, sigma, k)
            pushed = fgh.fibrations[k - 1].push(sigma_k)
            residual = fgh.fibrations[k - 1].push(sigma_k - fgh.kernels[k - 1].apply(pushed))
            assert residual.abs().max() < 1e-13


def mismatch(instance: GatingInstance, log_ratio, mask, expected) -> float:
    """Largest absolute gap between an engine instance and the closed form."""
    return float((gated_ratios(instance, log_ratio[mask]) - expected).abs().max())


def test_negative_control_wrong_rollback_slope_is_rejected():
    log_ratio, mask, hyper = designed_fiberpo_case(0)
    instance = fiberpo_instance(mask, **hyper)
    _, lengths, _ = token_structure(mask)
    budget = channel_budget(hyper["c_pos"], hyper["c_neg"], lengths.numel(), lengths)
    wrong_base = aggregate_gate(budget, signed(lengths) + 1)  # slope -(T + 1) instead of -T
    bad = replace(instance, hierarchy=replace(instance.hierarchy, gates=(wrong_base, instance.hierarchy.gates[1])))
    assert mismatch(bad, log_ratio, mask, fiberpo_gate(log_ratio, mask, **hyper)[mask]) > 1e-4


def test_negative_control_non_reflecting_kernels_are_rejected():
    log_ratio, mask, hyper = designed_fiberpo_case(1)
    instance = fiberpo_instance(mask, **hyper)
    expected = fiberpo_gate(log_ratio, mask, **hyper)[mask]
    bundle = instance.hierarchy.fibrations[0]
    _, _, token_length = token_structure(mask)
    n = token_length.numel()
    leaky = MarkovKernel.on_fibers(bundle, 1 / signed(token_length + 1))  # mass 1 - 1/(T+1) lost
    swapped_channel = (bundle.parent + bundle.base_size // 2) % bundle.base_size  # Markov, wrong fiber
    crossed = MarkovKernel(torch.arange(2 * n), swapped_channel, 1 / signed(token_length), 2 * n, bundle.base_size)
    assert markov_defect(crossed) < 1e-14
    for kernel in (leaky, crossed):
        bad = replace(instance, hierarchy=replace(instance.hierarchy, kernels=(kernel,)))
        assert reflecting_defect(bundle, kernel) > 1e-3
        with pytest.raises(ValueError, match="kernels"):
            check_reflecting(bad.hierarchy)
        assert mismatch(bad, log_ratio, mask, expected) > 1e-4


def test_negative_control_fiber_gate_without_sign_split_is_rejected():
    log_ratio, mask, hyper = designed_fiberpo_case(2)
    row, lengths, token_length = token_structure(mask)
    bundle = Fibration(row, lengths.numel())  # E = X, B = Tj: no sign channel
    kernel = MarkovKernel.on_fibers(bundle, 1 / token_length)
    budget = hyper["c_pos"] + hyper["c_neg"]
    fiber_bound = hyper["eps"] / token_length
    unsplit = GatingInstance(
        FibrationGatingHierarchy(
            (bundle,),
            (kernel,),
            (lambda x, lower: g_agg(x, budget, lengths), lambda x, lower: clip_sym(x, fiber_bound)),
        ),
        lambda lr: lr / token_length,
        lambda sigma: torch.exp(token_length * sigma),
    )
    check_reflecting(unsplit.hierarchy)
    assert recovery_defect(unsplit, log_ratio[mask]) < 1e-13
    assert mismatch(unsplit, log_ratio, mask, fiberpo_gate(log_ratio, mask, **hyper)[mask]) > 1e-3


def test_negative_control_recovery_without_length_factor_is_rejected():
    log_ratio, mask, hyper = designed_fiberpo_case(0)
    instance = fiberpo_instance(mask, **hyper)
    n = mask.sum()
    bad = replace(instance, recover=lambda sigma: torch.exp(sigma[:n] - sigma[n:]))
    assert recovery_defect(bad, log_ratio[mask]) > 1e-3


def test_verification_paragraph_holds_per_channel_only_up_to_the_factor_T():
    """App. E.5.4 'Verification': G(sigma)_(i, l_i) equals eq 79's clip + g_agg divided by T_tau, not equal to it."""
    log_ratio, mask, hyper = designed_fiberpo_case(0)
    instance = fiberpo_instance(mask, **hyper)
    parts = fiberpo_parts(log_ratio, mask, **hyper)
    flat = log_ratio[mask]
    row, lengths, token_length = token_structure(mask)
    positive = flat >= 0
    same_channel_mean = torch.where(positive, parts.log_s_pos[row], parts.log_s_neg[row])
    c_same = torch.where(positive, *torch.tensor([hyper["c_pos"], hyper["c_neg"]], dtype=torch.float64))
    eq79 = clip_sym(flat.abs() - same_channel_mean, hyper["eps"]) + g_agg(same_channel_mean, c_same, token_length)
    gated = fgh_gate_compact(instance.hierarchy, instance.decompose(flat))
    component = torch.where(positive, gated[: flat.numel()], gated[flat.numel() :])
    torch.testing.assert_close(token_length * component, eq79, **TOL)
    longer = token_length > 1
    assert bool(((component - eq79).abs()[longer] > 1e-6).any())


def test_input_validation_names_the_argument():
    with pytest.raises(ValueError, match="parent"):
        Fibration(torch.tensor([0, 0]), 2)  # point 1 of the base has an empty fiber
    with pytest.raises(ValueError, match="parent"):
        Fibration(torch.tensor([0.0, 1.0]), 2)
    fibration = Fibration(torch.tensor([0, 1, 1]), 2)
    with pytest.raises(ValueError, match="target"):
        MarkovKernel(torch.tensor([3]), torch.tensor([0]), torch.ones(1, dtype=torch.float64), 3, 2)
    with pytest.raises(ValueError, match="density"):
        fibration.push(torch.ones(2, dtype=torch.float64))
    kernel = MarkovKernel.on_fibers(fibration, torch.tensor([1.0, 0.5, 0.5], dtype=torch.float64))
    with pytest.raises(ValueError, match="gates"):
        FibrationGatingHierarchy((fibration,), (kernel,), (lambda x, lower: x,))
    mask = torch.ones(2, 3, dtype=torch.bool)
    with pytest.raises(ValueError, match="form"):
        gated_ratios(fiberpo_instance(mask, c_pos=0.1, c_neg=0.1, eps=0.1), torch.zeros(6, dtype=torch.float64), "x")
    with pytest.raises(ValueError, match="c_pos"):
        fiberpo_instance(mask, c_pos=-1.0, c_neg=0.1, eps=0.1)


def test_eq79_is_one_channel_of_the_fbg_form_not_the_gated_ratio():
    """Counterexample: T = 2, log r = (0.2, -0.2), C+- = 0.2, eps = 0.05; exp(eq 79) = e^0.15, R o G o F = e^0.1."""
    log_ratio = torch.tensor([[0.2, -0.2]], dtype=torch.float64)
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    hyper = dict(c_pos=0.2, c_neg=0.2, eps=0.05)
    gated = gated_ratios(fiberpo_instance(mask, **hyper), log_ratio[mask])
    torch.testing.assert_close(gated, fiberpo_gate(log_ratio, mask, **hyper)[mask], **TOL)
    log_s = torch.tensor(0.1, dtype=torch.float64)  # log s+ = log s- = 0.1
    eq79_first_token = clip_sym(0.2 - log_s, 0.05) + g_agg(log_s, 0.2, 2.0)
    assert abs(float(eq79_first_token) - 0.15) < 1e-14 and abs(float(gated[0].log()) - 0.1) < 1e-14


@pytest.mark.slow
def test_engine_matches_closed_forms_on_a_large_hierarchy():
    gen = torch.Generator().manual_seed(99)
    group_ids = torch.repeat_interleave(torch.arange(64), torch.randint(1, 9, (64,), generator=gen))
    domain_ids = group_ids % 5
    log_ratio, mask = ragged_batch(99, torch.randint(1, 65, (group_ids.numel(),), generator=gen).tolist())
    hyper = dict(c_pos={"domain": 0.01, "group": 0.02, "trajectory": 0.05}, c_neg=0.03, eps=0.02)
    expected = fiberpo_domain_gate(log_ratio, mask, group_ids, domain_ids, **hyper)[mask]
    instance = fiberpo_domain_instance(mask, group_ids, domain_ids, **hyper)
    for form in ("compact", "expanded"):
        torch.testing.assert_close(gated_ratios(instance, log_ratio[mask], form), expected, **TOL)
