"""Property-based fuzzing of the public loss functions on random ragged batches with random hierarchies."""

import math

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import fiberpo_check as fc
from fiberpo_check.engine.aggregation import MODES, Normalizers, aggregate
from fiberpo_check.engine.microbatch import CONTEXT_METHODS, BatchContext, TokenBatch, token_gate
from fiberpo_check.engine.objectives import METHODS
from fiberpo_check.engine.objectives.apc import apc_gate
from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain

FUZZ = settings(max_examples=30, deadline=None)
LOG_RATIOS = st.one_of(st.floats(-30, 30), st.sampled_from([-1e4, 1e4, 0.0, 1e-300, -1e-300]))


@st.composite
def batches(draw, empty_rows: bool = False):
    """float64 log-probs [B, T] with ragged rows, NaN padding, advantages, hierarchy ids, state ids and budgets."""
    n_rows, width = draw(st.integers(1, 5)), draw(st.integers(1, 7))
    lengths = draw(st.lists(st.integers(0 if empty_rows else 1, width), min_size=n_rows, max_size=n_rows))
    assume(sum(lengths) > 0)
    mask = torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]
    log_ratio = torch.tensor(draw(st.lists(LOG_RATIOS, min_size=n_rows * width, max_size=n_rows * width)))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 99)))
    old = -torch.rand(n_rows, width, generator=gen, dtype=torch.float64)
    adv = torch.tensor(draw(st.lists(st.floats(-10, 10), min_size=n_rows, max_size=n_rows)), dtype=torch.float64)
    group_of_row = torch.tensor(draw(st.lists(st.integers(0, 3), min_size=n_rows, max_size=n_rows)))
    domain_of_group = torch.tensor(draw(st.lists(st.integers(0, 2), min_size=4, max_size=4)))
    budget = st.floats(1e-3, 1.0)
    return dict(
        log_prob=torch.where(mask, old + log_ratio.view(n_rows, width).double(), math.nan),
        old=old,
        adv=adv,
        mask=mask,
        groups=group_of_row * 13 - 7,
        domains=domain_of_group[group_of_row] * 5 + 100,
        states=torch.arange(n_rows * width).view(n_rows, width) % draw(st.integers(1, 4)),
        gate=dict(c_pos=draw(budget), c_neg=draw(budget), eps=draw(st.floats(1e-3, 0.5))),
    )


def method_keywords(method, b):
    return {
        "fiberpo": b["gate"],
        "fiberpo_domain": dict(b["gate"], group_ids=b["groups"], domain_ids=b["domains"]),
        "apc": dict(state_ids=b["states"], delta=0.05),
        "tv_trpo": dict(state_ids=b["states"], gamma=0.9),
    }.get(method, {})


def grad_of(fn, log_prob):
    leaf = log_prob.clone().requires_grad_()
    value = fn(leaf)
    value.backward()
    return value.detach(), leaf.grad


@FUZZ
@given(b=batches(), method=st.sampled_from(METHODS))
def test_surrogate_is_finite_and_ignores_padding(b, method):
    def objective(log_prob):
        return fc.surrogate(method, log_prob, b["old"], b["adv"], b["mask"], **method_keywords(method, b))

    value, grad = grad_of(objective, b["log_prob"])
    clean_value, clean_grad = grad_of(objective, torch.nan_to_num(b["log_prob"]))
    assert bool(torch.isfinite(value)) and bool(torch.isfinite(grad).all())
    assert value == clean_value and torch.equal(grad, clean_grad)


@FUZZ
@given(b=batches())
def test_fiberpo_log_gates_stay_inside_their_budgets(b):
    log_ratio, mask, g = torch.where(b["mask"], b["log_prob"] - b["old"], 0), b["mask"], b["gate"]
    tol = 1e-12
    fiber = torch.log(fc.fiberpo_gate(log_ratio, mask, **g))[mask]
    assert bool((fiber <= g["c_pos"] + 2 * g["eps"] + tol).all() and (fiber >= -g["c_neg"] - 2 * g["eps"] - tol).all())
    domain = torch.log(fc.fiberpo_domain_gate(log_ratio, mask, b["groups"], b["domains"], **g))[mask]
    upper, lower = 3 * g["c_pos"] + 2 * g["c_neg"], 2 * g["c_pos"] + 3 * g["c_neg"]  # three levels per channel (eq 31)
    assert bool((domain <= upper + 2 * g["eps"] + tol).all() and (domain >= -lower - 2 * g["eps"] - tol).all())


@FUZZ
@given(b=batches(empty_rows=True), mode=st.sampled_from(MODES), domain=st.booleans())
def test_verl_losses_and_metrics_are_finite(b, mode, domain):
    config = {"fiberpo_c_pos": b["gate"]["c_pos"], "fiberpo_c_neg": b["gate"]["c_neg"], "fiberpo_eps": b["gate"]["eps"]}
    loss_fn = compute_policy_loss_fiberpo_domain if domain else compute_policy_loss_fiberpo
    if domain:
        config |= {"fiberpo_group_ids": b["groups"], "fiberpo_domain_ids": b["domains"]}
    leaf = b["log_prob"].clone().requires_grad_()
    loss, metrics = loss_fn(b["old"], leaf, b["adv"], b["mask"], loss_agg_mode=mode, config=config)
    loss.backward()
    assert bool(torch.isfinite(loss)) and bool(torch.isfinite(leaf.grad).all())
    assert all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())


@FUZZ
@given(
    b=batches(empty_rows=True),
    method=st.sampled_from(CONTEXT_METHODS),
    mode=st.sampled_from(MODES),
    seed=st.integers(0, 99),
)
def test_any_micro_batch_split_reproduces_the_full_batch_gradient(b, method, mode, seed):
    hyper = b["gate"] if method.startswith("fiberpo") else dict(delta=0.05) if method == "apc" else {}
    ids = dict(group_ids=b["groups"], domain_ids=b["domains"], state_ids=b["states"])
    inputs = (b["log_prob"], b["old"], b["adv"], b["mask"])
    context = BatchContext.from_full_batch(method, *inputs, loss_agg_mode=mode, **ids, **hyper)
    keep = b["mask"].any(dim=-1)

    def full_loss(log_prob):
        mask, adv = b["mask"][keep], torch.where(b["mask"][keep], b["adv"][keep, None], 0)
        log_ratio = torch.where(mask, log_prob[keep] - b["old"][keep], 0)
        if method == "fiberpo_domain":
            gate = fc.fiberpo_domain_gate(log_ratio, mask, b["groups"][keep], b["domains"][keep], **hyper)
        elif method == "apc":
            gate = apc_gate(log_ratio, mask, state_ids=b["states"][keep], **hyper)
        else:
            gate = token_gate(method, TokenBatch(log_ratio, adv, mask), context.hyper)
        return -aggregate(gate * adv, mask, mode, Normalizers(loss_scale_factor=b["mask"].shape[-1]))

    def split_loss(log_prob):
        order = torch.randperm(len(keep), generator=torch.Generator().manual_seed(seed))
        chunks = order.tensor_split(1 + seed % len(keep))
        total = 0
        for rows in chunks:
            part_ids = {k: v[rows] for k, v in ids.items()}  # every row keeps its full width here
            total = total + context.loss(log_prob[rows], b["old"][rows], b["adv"][rows], b["mask"][rows], **part_ids)
        return total

    value, grad = grad_of(split_loss, b["log_prob"])
    expected_value, expected_grad = grad_of(full_loss, b["log_prob"])
    scale = max(1.0, float(expected_grad.abs().max()), abs(float(expected_value)))
    assert abs(float(value - expected_value)) <= 1e-12 * scale
    assert bool(((grad - expected_grad).abs() <= 1e-12 * scale).all())
