"""Micro-batch invariance: split gradients add up to the full-batch gradient for every method and aggregation mode."""

from dataclasses import replace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import fiberpo_check as fc
from fiberpo_check.engine.aggregation import MODES, Normalizers, aggregate
from fiberpo_check.engine.gates import gate_regime
from fiberpo_check.engine.microbatch import CONTEXT_METHODS, BatchContext
from fiberpo_check.engine.objectives.apc import apc_gate, apc_regime
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_parts
from fiberpo_check.engine.objectives.gspo import gspo_gate
from fiberpo_check.engine.objectives.ppo import ppo_gate

HYPER = {"gspo": dict(eps_low=0.02, eps_high=0.03), "apc": dict(delta=0.1)}  # GSPO's 3e-4 band zeroes most grads
GATE = dict(c_pos=0.12, c_neg=0.08, eps=0.02)  # the context's defaults, spelled out for the reference
BATCH = 21


def hierarchical_batch(seed: int = 5):
    """A float64 batch with drifts at domain, group and trajectory level, ragged rows, two empty rows, NaN padding,
    non-contiguous interleaved group/domain ids (groups of 1..6, one domain with a single group) and state ids
    shared across trajectories. Returns log_prob, old_log_prob, advantages [B], mask and a dict of ids."""
    gen = torch.Generator().manual_seed(seed)
    group_sizes = [1, 4, 6, 2, 3, 5]
    group_domain = [30, 30, -2, -2, 11, 30]  # domain 11 holds one group
    groups = torch.tensor([900 + 7 * g for g, n in enumerate(group_sizes) for _ in range(n)])
    domains = torch.tensor([group_domain[g] for g, n in enumerate(group_sizes) for _ in range(n)])
    order = torch.randperm(groups.numel(), generator=gen)
    groups, domains = groups[order], domains[order]
    width = 12
    lengths = torch.randint(1, width + 1, (BATCH,), generator=gen)
    lengths[[3, 10]] = 0
    mask = torch.arange(width)[None, :] < lengths[:, None]

    def offsets(ids: torch.Tensor, scale: float) -> torch.Tensor:
        keys, index = torch.unique(ids, return_inverse=True)
        return (scale * torch.randn(keys.numel(), generator=gen, dtype=torch.float64))[index][:, None]

    drift = offsets(domains, 0.12) + offsets(groups, 0.12) + offsets(torch.arange(BATCH), 0.1)
    log_ratio = drift + 0.08 * torch.randn(BATCH, width, generator=gen, dtype=torch.float64)
    old_log_prob = -torch.rand(BATCH, width, generator=gen, dtype=torch.float64) * 3
    old_log_prob[~mask] = float("nan")  # garbage in padding must not matter
    advantages = torch.randn(BATCH, generator=gen, dtype=torch.float64)
    states = torch.randint(0, 40, (BATCH, width), generator=gen) * 3 - 50
    ids = dict(group_ids=groups, domain_ids=domains, state_ids=states)
    return old_log_prob + log_ratio, old_log_prob, advantages, mask, ids


def rows_of(ids: dict, rows: torch.Tensor, width: int | None = None) -> dict:
    """The ids of some rows (state ids cut to `width` tokens, as the micro-batch is re-padded)."""
    return {name: (v[rows, :width] if v.dim() == 2 else v[rows]) for name, v in ids.items()}


def reference_loss(method, mode, log_prob, old_log_prob, advantages, mask, ids):
    """Whole-batch loss from the engine's own gates, without any context (the quantity to reproduce)."""
    keep = mask.any(dim=-1)
    log_prob, old_log_prob, advantages, mask = log_prob[keep], old_log_prob[keep], advantages[keep], mask[keep]
    ids = rows_of(ids, keep)
    log_ratio = torch.where(mask, log_prob, 0) - torch.where(mask, old_log_prob, 0)
    adv = torch.where(mask, advantages[:, None], 0)
    hyper = HYPER.get(method, {})
    if method in ("ppo", "grpo"):
        gate = ppo_gate(log_ratio, adv, **hyper)
    elif method == "gspo":
        gate = gspo_gate(log_ratio, adv, mask, **hyper)
    elif method == "apc":
        gate = apc_gate(log_ratio, mask, state_ids=ids["state_ids"], **hyper)
    elif method == "fiberpo":
        gate = fc.fiberpo_gate(log_ratio, mask, **GATE)
    else:
        gate = fc.fiberpo_domain_gate(log_ratio, mask, ids["group_ids"], ids["domain_ids"], **GATE)
    return -aggregate(gate * adv, mask, mode, Normalizers(loss_scale_factor=mask.shape[-1]))


def context_for(method, mode, log_prob, old_log_prob, advantages, mask, ids):
    return BatchContext.from_full_batch(
        method, log_prob.detach(), old_log_prob, advantages, mask, loss_agg_mode=mode, **ids, **HYPER.get(method, {})
    )


def split_losses(context, log_prob, old_log_prob, advantages, mask, ids, chunks):
    """Micro-batch losses over index chunks, each re-padded to its own width as trainers do."""
    losses = []
    for rows in chunks:
        width = max(int(mask[rows].sum(dim=-1).max()), 1)
        part = (log_prob[rows, :width], old_log_prob[rows, :width], advantages[rows], mask[rows, :width])
        losses.append(context.loss(*part, **rows_of(ids, rows, width)))
    return losses


def grad_of(loss_fn, log_prob):
    leaf = log_prob.detach().clone().requires_grad_()
    total = sum(loss_fn(leaf))
    total.backward()
    return total.item(), leaf.grad


def split_gap(method, mode, chunks, seed=5, context_edit=None):
    """Max |grad| and |loss| gaps between the micro-batch sum and the whole-batch reference."""
    data = hierarchical_batch(seed)
    log_prob, rest = data[0], data[1:]
    context = context_for(method, mode, *data)
    context = context_edit(context) if context_edit else context
    full_loss, full_grad = grad_of(lambda lp: [reference_loss(method, mode, lp, *rest)], log_prob)
    loss, grad = grad_of(lambda lp: split_losses(context, lp, *rest, chunks), log_prob)
    return (grad - full_grad).abs().max().item(), abs(loss - full_loss)


def random_chunks(batch, n_chunks, seed):
    order = torch.randperm(batch, generator=torch.Generator().manual_seed(seed))
    return list(order.tensor_split(n_chunks))


def test_test_batch_visits_every_gate_regime():
    log_prob, old, _, mask, ids = hierarchical_batch()
    keep = mask.any(dim=-1)
    log_ratio, mask, ids = torch.where(mask, log_prob - torch.nan_to_num(old), 0)[keep], mask[keep], rows_of(ids, keep)
    parts = fiberpo_domain_parts(log_ratio, mask, ids["group_ids"], ids["domain_ids"], c_pos=0.12, c_neg=0.08, eps=0.02)
    seen = set()
    for (channel, level), (x, c, k) in parts.base_gates.items():
        seen |= {(level, int(r)) for r in gate_regime(x, c, k).unique()}
    assert {(level, r) for level in ("domain", "group", "trajectory") for r in (0, 1, 2)} - seen == {("domain", 1)}
    apc_regimes = apc_regime(log_ratio, mask, state_ids=ids["state_ids"], **HYPER["apc"])[mask]
    assert set(apc_regimes.tolist()) == {0, 1, 2}  # (P), (R), (Z) of eqs 61-63


@pytest.mark.parametrize("method", CONTEXT_METHODS)
def test_whole_batch_context_loss_is_minus_surrogate(method):
    log_prob, old, adv, mask, ids = hierarchical_batch()
    keep = mask.any(dim=-1)
    names = {"fiberpo_domain": ("group_ids", "domain_ids"), "apc": ("state_ids",)}.get(method, ())
    used = {name: v for name, v in rows_of(ids, keep).items() if name in names}
    expected = -fc.surrogate(method, log_prob[keep], old[keep], adv[keep], mask[keep], **used, **HYPER.get(method, {}))
    context = context_for(method, None, log_prob, old, adv, mask, ids)
    (loss,) = split_losses(context, log_prob, old, adv, mask, ids, [torch.arange(BATCH)])
    assert abs(float(loss) - float(expected)) < 1e-14


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", CONTEXT_METHODS)
def test_microbatch_gradients_equal_full_batch_gradient(method, mode):
    grad_gap, loss_gap = split_gap(method, mode, random_chunks(BATCH, 4, seed=1))
    assert grad_gap < 1e-12 and loss_gap < 1e-12


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_chunks=st.integers(1, BATCH),
    mode=st.sampled_from(MODES),
    method=st.sampled_from(["fiberpo_domain", "apc"]),
)
def test_any_split_of_the_coupled_methods_is_exact(seed, n_chunks, mode, method):
    grad_gap, loss_gap = split_gap(method, mode, random_chunks(BATCH, n_chunks, seed), seed=seed % 7)
    assert grad_gap < 1e-12 and loss_gap < 1e-12


def naive_split_gap(method):
    """Pitfall: each micro-batch computes its own group/domain means (global normalisers even given)."""
    log_prob, old, adv, mask, ids = hierarchical_batch()
    chunks = random_chunks(BATCH, 4, seed=1)
    norm = Normalizers(float(mask.sum()), float(mask.any(dim=-1).sum()), float(mask.shape[-1]))

    def naive(lp):
        losses = []
        for rows in chunks:
            rows = rows[mask[rows].any(dim=-1)]
            part_ids = (ids["group_ids"][rows], ids["domain_ids"][rows]) if method == "fiberpo_domain" else ()
            gate_fn = fc.fiberpo_domain_gate if part_ids else fc.fiberpo_gate
            log_ratio = torch.where(mask[rows], lp[rows] - torch.nan_to_num(old[rows]), 0)
            gate = gate_fn(log_ratio, mask[rows], *part_ids, c_pos=0.12, c_neg=0.08, eps=0.02)
            losses.append(-aggregate(gate * adv[rows, None], mask[rows], "seq-mean-token-mean", norm))
        return losses

    full = [old, adv, mask, ids]
    _, full_grad = grad_of(lambda lp: [reference_loss(method, "seq-mean-token-mean", lp, *full)], log_prob)
    _, grad = grad_of(naive, log_prob)
    return (grad - full_grad).abs().max().item() / full_grad.abs().max().item()


def test_naive_split_is_not_invariant_for_fiberpo_domain():
    assert naive_split_gap("fiberpo") < 1e-12  # per-trajectory gates: only the normalisers need the whole batch
    assert naive_split_gap("fiberpo_domain") > 1e-2  # group/domain means of a micro-batch are not the batch's


@pytest.mark.parametrize("method", ["fiberpo_domain", "apc"])
def test_dropping_the_adjoint_term_breaks_invariance(method):
    def no_adjoint(context):
        return replace(context, adjoint=torch.zeros_like(context.adjoint))

    chunks = random_chunks(BATCH, 4, seed=1)
    grad_gap, loss_gap = split_gap(method, "token-mean", chunks, context_edit=no_adjoint)
    assert loss_gap < 1e-12 and grad_gap > 1e-4


def test_context_rejects_bad_arguments():
    log_prob, old, adv, mask, ids = hierarchical_batch()
    groups, domains = ids["group_ids"], ids["domain_ids"]
    context = context_for("fiberpo_domain", None, log_prob, old, adv, mask, ids)
    with pytest.raises(ValueError, match="group_ids: id 5 is not in the batch context"):
        context.loss(log_prob[:1], old[:1], adv[:1], mask[:1], group_ids=torch.tensor([5]), domain_ids=domains[:1])
    moved = domains[:2].clone() + 1000
    with pytest.raises(ValueError, match="domain_ids"):
        context.loss(log_prob[:2], old[:2], adv[:2], mask[:2], group_ids=groups[:2], domain_ids=moved)
    with pytest.raises(ValueError, match="group_ids/domain_ids"):
        context.loss(log_prob, old, adv, mask)
    padding_only = context.loss(log_prob[:2], old[:2], adv[:2], torch.zeros_like(mask[:2]))
    assert float(padding_only) == 0.0
    with pytest.raises(ValueError, match="method"):
        BatchContext.from_full_batch("tv_trpo", log_prob, old, adv, mask)
    with pytest.raises(ValueError, match="missing"):
        BatchContext.from_full_batch("apc", log_prob, old, adv, mask, state_ids=ids["state_ids"])
    with pytest.raises(ValueError, match="state_ids: apc needs state_ids"):
        BatchContext.from_full_batch("apc", log_prob, old, adv, mask, delta=0.1)
    apc = context_for("apc", None, log_prob, old, adv, mask, ids)
    with pytest.raises(ValueError, match="state_ids: id 1000 is not in the batch context"):
        apc.loss(log_prob, old, adv, mask, state_ids=torch.full_like(ids["state_ids"], 1000))
    with pytest.raises(ValueError, match="loss_agg_mode"):
        BatchContext.from_full_batch("ppo", log_prob, old, adv, mask, loss_agg_mode="mean")
    with pytest.raises(ValueError, match="hyper"):
        BatchContext.from_full_batch("ppo", log_prob, old, adv, mask, c_pos=0.1)
    with pytest.raises(ValueError, match="spans more than one domain"):
        ids = dict(group_ids=groups, domain_ids=torch.arange(BATCH))
        BatchContext.from_full_batch("fiberpo_domain", log_prob, old, adv, mask, **ids)
