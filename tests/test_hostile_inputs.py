"""Hostile inputs to every public loss entry point: each row of the table in docs/reliability.md is a test here."""

import math

import pytest
import torch

import fiberpo_check as fc
from fiberpo_check.engine.gates import gate_regime
from fiberpo_check.engine.microbatch import CONTEXT_METHODS, BatchContext
from fiberpo_check.engine.objectives import METHODS
from fiberpo_check.engine.objectives.fiberpo import fiberpo_parts
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_parts
from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain
from tests.batches import ragged_batch
from tests.textbook import fiberpo_row

GATE = dict(c_pos=0.12, c_neg=0.08, eps=0.02)


def clean_batch(lengths=(3, 6, 1, 4)):
    """float64 log-probs of a ragged batch with non-contiguous, interleaved group/domain ids and state ids."""
    log_ratio, mask, adv = ragged_batch(list(lengths), 0.1, seed=2)
    old = -torch.rand(mask.shape, generator=torch.Generator().manual_seed(3), dtype=torch.float64) - 0.5
    groups = torch.tensor([70, -3, 70, 12, -3, 5][: mask.shape[0]])
    domains = torch.tensor([1, 1, 1, 8, 1, 8][: mask.shape[0]])
    states = torch.arange(mask.numel()).view(mask.shape) % 3
    return dict(log_prob=old + log_ratio, old=old, adv=adv, mask=mask, groups=groups, domains=domains, states=states)


def extras(method, b):
    """Method-specific keywords of surrogate()."""
    if method == "fiberpo_domain":
        return dict(group_ids=b["groups"], domain_ids=b["domains"])
    if method == "apc":
        return dict(state_ids=b["states"], delta=0.1)
    if method == "tv_trpo":
        return dict(state_ids=b["states"], gamma=0.9)
    return {}


def via_surrogate(method):
    return lambda b: -fc.surrogate(method, b["log_prob"], b["old"], b["adv"], b["mask"], **extras(method, b))


def via_loss(method):
    def loss(b):
        inputs = (b["old"], b["log_prob"], b["adv"], b["mask"])
        if method == "fiberpo":
            return compute_policy_loss_fiberpo(*inputs, rollout_is_weights=b.get("weights"))[0]
        config = {"fiberpo_group_ids": b["groups"], "fiberpo_domain_ids": b["domains"]}
        return compute_policy_loss_fiberpo_domain(*inputs, config=config, rollout_is_weights=b.get("weights"))[0]

    return loss


def via_context(method):
    def loss(b):
        ids = dict(group_ids=b["groups"], domain_ids=b["domains"], state_ids=b["states"])
        hyper = dict(delta=0.1) if method == "apc" else {}
        inputs = (b["log_prob"].detach(), b["old"], b["adv"], b["mask"])
        context = BatchContext.from_full_batch(method, *inputs, **ids, **hyper)
        return context.loss(b["log_prob"], b["old"], b["adv"], b["mask"], **ids)

    return loss


STRICT = {f"surrogate-{m}": via_surrogate(m) for m in METHODS}  # empty rows are an error
LOSSES = {f"losses-{m}": via_loss(m) for m in ("fiberpo", "fiberpo_domain")}
LENIENT = LOSSES | {f"context-{m}": via_context(m) for m in CONTEXT_METHODS}  # empty rows are dropped
SUBJECTS = STRICT | LENIENT
INPUTS = {"log_prob": "log_prob", "old": "old_log_prob", "adv": "advantages"}


def value_and_grad(subject, b):
    leaf = b["log_prob"].detach().clone().requires_grad_()
    loss = subject({**b, "log_prob": leaf})
    loss.backward()
    return loss.detach(), leaf.grad


def rows(b, keep):
    return {k: v[keep] for k, v in b.items()}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("key", INPUTS)
@pytest.mark.parametrize("name", SUBJECTS)
def test_non_finite_at_a_valid_position_raises(name, key, bad):
    b = clean_batch()
    b[key] = b[key].clone()
    b[key][(1, 2) if key != "adv" else 1] = bad
    with pytest.raises(ValueError, match=f"{INPUTS[key]}: non-finite value at valid position"):
        SUBJECTS[name](b)


@pytest.mark.parametrize("name", SUBJECTS)
def test_garbage_at_masked_positions_is_ignored(name):
    clean = clean_batch()
    dirty = dict(clean, adv=clean["adv"][:, None].expand(clean["mask"].shape).clone())
    pad = ~clean["mask"]
    for key, garbage in (("log_prob", math.nan), ("old", math.inf), ("adv", -1e308)):
        dirty[key] = dirty[key].clone().masked_fill(pad, garbage)
    loss, grad = value_and_grad(SUBJECTS[name], dirty)
    expected_loss, expected_grad = value_and_grad(SUBJECTS[name], clean)
    assert loss == expected_loss and torch.equal(grad, expected_grad)
    assert bool((grad[pad] == 0).all())


@pytest.mark.parametrize("name", LOSSES)
def test_rollout_weights_garbage_at_masked_positions_is_ignored(name):
    clean = clean_batch()
    weights = 0.5 + torch.rand(clean["mask"].shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    dirty = dict(clean, weights=weights.masked_fill(~clean["mask"], math.nan))
    loss, grad = value_and_grad(SUBJECTS[name], dirty)
    expected_loss, expected_grad = value_and_grad(SUBJECTS[name], dict(clean, weights=weights))
    assert loss == expected_loss and torch.equal(grad, expected_grad)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
@pytest.mark.parametrize("name", LOSSES)
def test_non_finite_rollout_weights_at_a_valid_position_raise(name, bad):
    b = clean_batch()
    weights = torch.ones_like(b["log_prob"])
    weights[1, 2] = bad
    with pytest.raises(ValueError, match="rollout_is_weights"):
        SUBJECTS[name](dict(b, weights=weights))


@pytest.mark.parametrize("pattern", ["+1e4", "-1e4", "alternating"])
@pytest.mark.parametrize("name", SUBJECTS)
def test_extreme_log_ratios_give_finite_loss_and_gradient(name, pattern):
    b = clean_batch()
    signs = {"+1e4": 1.0, "-1e4": -1.0, "alternating": (-1.0) ** torch.arange(b["mask"].shape[1])}[pattern]
    b["log_prob"] = b["old"] + 1e4 * torch.as_tensor(signs, dtype=torch.float64) * torch.ones_like(b["old"])
    loss, grad = value_and_grad(SUBJECTS[name], b)
    assert bool(torch.isfinite(loss)) and bool(torch.isfinite(grad).all())


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("name", SUBJECTS)
def test_half_precision_inputs_run_the_loss_in_float32(name, dtype):
    b = clean_batch()
    half = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in b.items()}
    rounded = {k: (v.double() if v.is_floating_point() else v) for k, v in half.items()}
    loss = SUBJECTS[name](half)
    expected = SUBJECTS[name](rounded)
    assert loss.dtype == torch.float32
    assert abs(float(loss) - float(expected)) <= 1e-5 * max(1.0, abs(float(expected)))


def test_half_precision_gates_are_float32():
    b = clean_batch()
    log_ratio = torch.where(b["mask"], b["log_prob"] - b["old"], 0).bfloat16()
    assert fc.fiberpo_gate(log_ratio, b["mask"], **GATE).dtype == torch.float32
    assert fc.fiberpo_domain_gate(log_ratio, b["mask"], b["groups"], b["domains"], **GATE).dtype == torch.float32


@pytest.mark.parametrize("domain", [False, True])
def test_gates_reject_non_finite_valid_log_ratios_and_ignore_padding(domain):
    b = clean_batch()
    ids = (b["groups"], b["domains"]) if domain else ()
    gate_fn = fc.fiberpo_domain_gate if domain else fc.fiberpo_gate
    log_ratio = torch.where(b["mask"], b["log_prob"] - b["old"], 0)
    clean = gate_fn(log_ratio, b["mask"], *ids, **GATE)[b["mask"]]  # values at masked positions are unspecified
    assert torch.equal(gate_fn(log_ratio.masked_fill(~b["mask"], math.inf), b["mask"], *ids, **GATE)[b["mask"]], clean)
    log_ratio[0, 1] = math.nan
    with pytest.raises(ValueError, match="log_ratio: non-finite value at valid position"):
        gate_fn(log_ratio, b["mask"], *ids, **GATE)


@pytest.mark.parametrize("name", STRICT)
def test_empty_rows_are_an_error_for_surrogate(name):
    b = clean_batch()
    b["mask"] = b["mask"].clone()
    b["mask"][2] = False
    with pytest.raises(ValueError, match=r"mask: rows \[2\] have no valid token"):
        STRICT[name](b)


@pytest.mark.parametrize("name", LENIENT)
def test_empty_rows_are_dropped_by_losses_and_contexts(name):
    b = clean_batch(lengths=(3, 6, 1, 4, 5, 2))
    b["mask"] = b["mask"].clone()
    b["mask"][[1, 4]] = False
    loss, grad = value_and_grad(LENIENT[name], b)
    keep = b["mask"].any(dim=-1)
    expected_loss, expected_grad = value_and_grad(LENIENT[name], rows(b, keep))
    assert abs(float(loss - expected_loss)) < 1e-15 and torch.equal(grad[keep], expected_grad)
    assert bool((grad[~keep] == 0).all())


@pytest.mark.parametrize("name", SUBJECTS)
def test_a_batch_without_any_valid_token_raises(name):
    b = clean_batch()
    b["mask"] = torch.zeros_like(b["mask"])
    with pytest.raises(ValueError, match="mask: the batch has no valid token"):
        SUBJECTS[name](b)


@pytest.mark.parametrize("name", SUBJECTS)
def test_advantages_of_shape_b_b1_bt_agree(name):
    b = clean_batch()
    shapes = (b["adv"], b["adv"][:, None], b["adv"][:, None].expand(b["mask"].shape).clone())
    losses = [float(SUBJECTS[name](dict(b, adv=adv))) for adv in shapes]
    assert losses[0] == losses[1] == losses[2]
    with pytest.raises(ValueError, match="advantages"):
        SUBJECTS[name](dict(b, adv=torch.zeros(4, 7, dtype=torch.float64)))


def test_length_one_trajectory_has_rollback_slope_one():
    c = GATE["c_pos"]
    log_ratio = torch.tensor([[1.5 * c]], dtype=torch.float64)  # inside the k = 1 rollback window (C, 2C)
    mask = torch.ones_like(log_ratio, dtype=torch.bool)
    parts = fiberpo_parts(log_ratio, mask, **GATE)
    assert int(gate_regime(parts.log_s_pos, c, parts.lengths)) == 1
    gate = fc.fiberpo_gate(log_ratio, mask, **GATE)
    assert abs(float(gate) - math.exp(2 * c - 1.5 * c)) < 1e-15
    assert abs(float(gate) - fiberpo_row([1.5 * c], **GATE)[0]) < 1e-15


def test_singleton_groups_and_domains_reduce_fiberpo_domain_to_fiberpo():
    b = clean_batch()
    log_ratio = torch.where(b["mask"], b["log_prob"] - b["old"], 0) * 8  # every base-gate regime
    each = torch.arange(4)
    domain_gate = fc.fiberpo_domain_gate(log_ratio, b["mask"], each * 3, each * 3, **GATE)
    assert (domain_gate - fc.fiberpo_gate(log_ratio, b["mask"], **GATE))[b["mask"]].abs().max() < 1e-15


def test_singleton_groups_and_one_group_domains_have_zero_level_inputs():
    b = clean_batch()
    log_ratio = torch.where(b["mask"], b["log_prob"] - b["old"], 0)
    parts = fiberpo_domain_parts(log_ratio, b["mask"], torch.arange(4), torch.tensor([0, 0, 1, 1]), **GATE)
    for channel in ("pos", "neg"):
        assert bool((parts.base_gates[channel, "trajectory"][0] == 0).all())  # a group of one trajectory
    parts = fiberpo_domain_parts(log_ratio, b["mask"], torch.tensor([4, 4, 9, 9]), torch.tensor([0, 0, 1, 1]), **GATE)
    for channel in ("pos", "neg"):
        assert bool((parts.base_gates[channel, "group"][0] == 0).all())  # a domain of one group
        assert bool(torch.isfinite(torch.exp(parts.log_gate)).all())


def test_non_contiguous_interleaved_ids_equal_contiguous_ids():
    b = clean_batch(lengths=(3, 6, 1, 4, 5, 2))
    log_ratio = torch.where(b["mask"], b["log_prob"] - b["old"], 0)
    groups, domains = b["groups"], b["domains"]  # [70, -3, 70, 12, -3, 5], [1, 1, 1, 8, 1, 8]
    gate = fc.fiberpo_domain_gate(log_ratio, b["mask"], groups, domains, **GATE)
    relabelled = fc.fiberpo_domain_gate(
        log_ratio, b["mask"], torch.tensor([0, 1, 0, 2, 1, 3]), torch.tensor([0, 0, 0, 1, 0, 1]), **GATE
    )
    order = torch.argsort(groups, stable=True)  # contiguous groups
    sorted_gate = fc.fiberpo_domain_gate(log_ratio[order], b["mask"][order], groups[order], domains[order], **GATE)
    assert torch.equal(gate, relabelled) and torch.equal(gate[order], sorted_gate)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda b: dict(b, log_prob=b["log_prob"].long()), "log_prob: expected a floating dtype"),
        (lambda b: dict(b, log_prob=b["log_prob"][0]), r"log_prob: expected shape \[B, T\]"),
        (lambda b: dict(b, old=b["old"][:, :3]), "old_log_prob: shape"),
        (lambda b: dict(b, mask=b["mask"].long() * 2), "mask: values must be 0 or 1"),
        (lambda b: dict(b, mask=b["mask"][:3]), "mask: shape"),
        (lambda b: dict(b, adv=b["adv"].long()), "advantages: expected a floating"),
        (lambda b: dict(b, groups=b["groups"].double()), "group_ids: expected an integer"),
        (lambda b: dict(b, domains=b["domains"][:3]), "domain_ids: shape"),
        (lambda b: dict(b, domains=torch.arange(4)), "spans more than one domain"),
    ],
)
@pytest.mark.parametrize("name", ["surrogate-fiberpo_domain", "losses-fiberpo_domain", "context-fiberpo_domain"])
def test_malformed_inputs_raise_value_error_naming_the_argument(name, edit, message):
    with pytest.raises(ValueError, match=message):
        SUBJECTS[name](edit(clean_batch()))


@pytest.mark.parametrize("hyper", [dict(c_pos=-0.1), dict(c_neg=math.inf), dict(eps=0.0), dict(c_pos={"domain": 0.1})])
def test_bad_budgets_raise(hyper):
    b = clean_batch()
    log_ratio = torch.where(b["mask"], b["log_prob"] - b["old"], 0)
    with pytest.raises(ValueError, match=next(iter(hyper))):
        fc.fiberpo_domain_gate(log_ratio, b["mask"], b["groups"], b["domains"], **{**GATE, **hyper})
