"""The fused FiberPO loss (fast_fiberpo) against the readable reference fiberpo_parts: values and gradients."""

import pytest
import torch

from fiberpo_check.engine.aggregation import MODES, Normalizers, aggregate, row_weights
from fiberpo_check.engine.batch import Hierarchy
from fiberpo_check.engine.fast_fiberpo import (
    FiberStats,
    HierarchyBase,
    TrajectoryBase,
    fiber_objective,
)
from fiberpo_check.engine.gates import gate_regime
from fiberpo_check.engine.objectives.fiberpo import fiberpo_parts
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_parts, level_budgets

C_POS, C_NEG, EPS = 0.12, 0.08, 0.02
LENGTHS = [4, 4, 4, 4, 7, 1, 9, 0, 6, 5]


def regime_batch(dtype=torch.float64, seed=0):
    """Rows in every base-gate regime (pass, rollback, zeroed; each channel), exact zeros, ragged, one empty row."""
    gen = torch.Generator().manual_seed(seed)
    width = max(LENGTHS)
    mask = torch.arange(width)[None, :] < torch.tensor(LENGTHS)[:, None]
    log_ratio = 0.05 * torch.randn(len(LENGTHS), width, generator=gen, dtype=dtype)
    log_ratio[0] = 0.135  # log s+ in C+'s rollback window (0.12, 0.15)
    log_ratio[1] = 0.6  # zeroed
    log_ratio[2] = -0.09  # log s- in C-'s rollback window (0.08, 0.10)
    log_ratio[3] = -0.5  # zeroed
    log_ratio[4, :3] = 0.0  # exact zeros: sign(0) := +1
    log_ratio[6] *= 6  # fiber clips on both sides
    log_ratio[8] = 0.0  # on-policy row
    old = -torch.rand(mask.shape, generator=gen, dtype=dtype) - 0.2
    log_prob = torch.where(mask, old + log_ratio, torch.full_like(old, 123.0))  # garbage where masked
    advantages = torch.randn(mask.shape, generator=gen, dtype=dtype)
    return log_prob, old, advantages, mask


GROUPS = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
DOMAINS = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])


def reference_loss(log_prob, old, advantages, mask, mode, norm, domain):
    """-aggregate(G A) with G from the reference parts, empty rows dropped."""
    keep = mask.any(dim=-1)
    log_ratio = torch.where(mask, log_prob - old, 0)[keep]
    if domain:
        budgets = {"domain": 0.3, "group": 0.1, "trajectory": C_POS}
        parts = fiberpo_domain_parts(log_ratio, mask[keep], GROUPS[keep], DOMAINS[keep], c_pos=budgets, c_neg=C_NEG, eps=EPS)
    else:
        parts = fiberpo_parts(log_ratio, mask[keep], c_pos=C_POS, c_neg=C_NEG, eps=EPS)
    return -aggregate(torch.exp(parts.log_gate) * advantages[keep], mask[keep], mode, norm), parts


def fast_loss(log_prob, old, advantages, mask, mode, norm, domain, compiled=False):
    """The fused loss on the same batch (FiberPO-Domain on the non-empty rows, like the verl loss)."""
    if domain:
        keep = mask.any(dim=-1)
        log_prob, old, advantages, mask = log_prob[keep], old[keep], advantages[keep], mask[keep]
    lengths = mask.sum(dim=-1).to(log_prob.dtype)
    weight = row_weights(mask, lengths, mode, norm)
    if domain:
        hierarchy = Hierarchy.from_ids(GROUPS[keep], DOMAINS[keep], mask.shape[0])
        budgets = {"domain": 0.3, "group": 0.1, "trajectory": C_POS}
        base = HierarchyBase.of(hierarchy, lengths, budgets, level_budgets("c_neg", C_NEG))
    else:
        base = TrajectoryBase(lengths.clamp(min=1), C_POS, C_NEG)
    objective, stats = fiber_objective(log_prob, old, advantages, mask, weight, lengths.clamp(min=1), base, EPS, compiled)
    return -objective, FiberStats(*stats), base


def value_and_grads(loss_fn, log_prob, old, *rest):
    leaf, old_leaf = log_prob.clone().requires_grad_(), old.clone().requires_grad_()
    loss = loss_fn(leaf, old_leaf, *rest)[0]
    loss.backward()
    return loss.detach(), leaf.grad, old_leaf.grad


def test_batch_visits_every_base_gate_regime():
    log_prob, old, _, mask = regime_batch()
    _, parts = reference_loss(log_prob, old, torch.ones_like(old), mask, "token-mean", None, False)
    seen = {(channel, int(r)) for (channel, _), (x, c, k) in parts.base_gates.items() for r in gate_regime(x, c, k)}
    assert seen == {(channel, r) for channel in ("pos", "neg") for r in (0, 1, 2)}
    assert 0 < float((parts.same_sign.abs() > EPS)[parts.mask].double().mean()) < 1


NORMS = [Normalizers(), Normalizers(batch_num_tokens=80.0, global_batch_size=13.0, loss_scale_factor=16.0, dp_size=4)]


@pytest.mark.parametrize("domain", [False, True], ids=["fiberpo", "fiberpo_domain"])
@pytest.mark.parametrize("norm", NORMS, ids=["local", "global"])
@pytest.mark.parametrize("mode", MODES)
def test_fused_loss_and_gradients_equal_the_reference(mode, norm, domain):
    batch = regime_batch()
    expected = value_and_grads(lambda *b: reference_loss(*b, mode, norm, domain), *batch)
    actual = value_and_grads(lambda *b: fast_loss(*b, mode, norm, domain), *batch)
    for a, e in zip(actual, expected):
        assert torch.allclose(a, e, rtol=0, atol=1e-12), (a - e).abs().max()
    mask = batch[3]
    assert bool((actual[1][~mask] == 0).all())


def test_sequence_advantages_broadcast_like_token_advantages():
    log_prob, old, advantages, mask = regime_batch()
    per_row = advantages[:, :1]
    token = value_and_grads(lambda *b: fast_loss(*b, "seq-mean-token-mean", Normalizers(), False), log_prob, old, per_row.expand_as(old).contiguous(), mask)
    row = value_and_grads(lambda *b: fast_loss(*b, "seq-mean-token-mean", Normalizers(), False), log_prob, old, per_row, mask)
    for a, b in zip(token, row):
        assert torch.allclose(a, b, rtol=0, atol=1e-14)


def test_stats_count_what_the_reference_gate_does():
    log_prob, old, advantages, mask = regime_batch()
    _, stats, _ = fast_loss(log_prob, old, advantages, mask, "token-mean", Normalizers(), False)
    _, parts = reference_loss(log_prob, old, advantages, mask, "token-mean", None, False)
    rows = mask.any(dim=-1)
    clipped = ((parts.same_sign.abs() > EPS) & parts.mask).sum(dim=-1).double()
    positive = (parts.positive & parts.mask).sum(dim=-1).double()
    ratio = torch.where(parts.mask, torch.exp(parts.log_ratio), 0).sum(dim=-1)
    assert torch.equal(stats.clipped[rows], clipped) and torch.equal(stats.positive[rows], positive)
    assert torch.allclose(stats.ratio_sum[rows], ratio, atol=1e-12)
    assert torch.allclose(stats.base_log_weight[rows], parts.base_log_weight, atol=1e-14)


@pytest.mark.parametrize("domain", [False, True], ids=["fiberpo", "fiberpo_domain"])
def test_base_weight_vjp_equals_autograd(domain):
    gen = torch.Generator().manual_seed(1)
    log_s_pos = 0.3 * torch.rand(10, generator=gen, dtype=torch.float64)
    log_s_neg = 0.2 * torch.rand(10, generator=gen, dtype=torch.float64)
    lengths = torch.tensor(LENGTHS, dtype=torch.float64).clamp(min=1)
    if domain:
        hierarchy = Hierarchy.from_ids(GROUPS, DOMAINS, 10)
        base = HierarchyBase.of(hierarchy, lengths, level_budgets("c_pos", 0.05), level_budgets("c_neg", 0.04))
    else:
        base = TrajectoryBase(lengths, C_POS, C_NEG)
    grad = torch.randn(10, generator=gen, dtype=torch.float64)
    leaves = log_s_pos.clone().requires_grad_(), log_s_neg.clone().requires_grad_()
    expected = torch.autograd.grad(base(*leaves), leaves, grad)
    for a, e in zip(base.vjp(log_s_pos, log_s_neg, grad), expected):
        assert torch.allclose(a, e, rtol=0, atol=1e-14)


@pytest.mark.parametrize("norm", NORMS, ids=["local", "global"])
@pytest.mark.parametrize("mode", MODES)
def test_row_weights_reproduce_aggregate(mode, norm):
    _, _, values, mask = regime_batch()
    lengths = mask.sum(dim=-1).double()
    weights = row_weights(mask, lengths, mode, norm)
    expected = aggregate(values, mask, mode, norm)
    assert torch.allclose((torch.where(mask, values, 0).sum(dim=-1) * weights).sum(), expected, rtol=1e-14)


def test_bad_aggregation_mode_names_the_argument():
    _, _, _, mask = regime_batch()
    with pytest.raises(ValueError, match="loss_agg_mode"):
        row_weights(mask, mask.sum(dim=-1).double(), "token-median", Normalizers())


@pytest.mark.parametrize("domain", [False, True], ids=["fiberpo", "fiberpo_domain"])
def test_compiled_path_equals_eager(domain):
    batch = regime_batch(torch.float32)
    mode, norm = "seq-mean-token-mean", Normalizers()
    eager = value_and_grads(lambda *b: fast_loss(*b, mode, norm, domain), *batch)
    compiled = value_and_grads(lambda *b: fast_loss(*b, mode, norm, domain, compiled=True), *batch)
    for a, e in zip(compiled, eager):
        assert torch.allclose(a, e, rtol=1e-5, atol=1e-6), (a - e).abs().max()

