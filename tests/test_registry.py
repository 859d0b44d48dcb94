"""The registry of RGF methods: one record per method, every consumer reads it."""

import pytest
import torch

import fiberpo_check as fc
from fiberpo_check.engine.aggregation import aggregate
from fiberpo_check.engine.microbatch import CONTEXT_METHODS
from fiberpo_check.engine.objectives import FAMILY, METHODS, REGISTRY, RGFMethod, method
from fiberpo_check.engine.objectives.family import by_name


def test_paper_methods_are_registered_in_paper_order():
    assert METHODS == ("ppo", "grpo", "gspo", "apc", "tv_trpo", "fiberpo", "fiberpo_domain")
    assert CONTEXT_METHODS == tuple(name for name in METHODS if name != "tv_trpo")


@pytest.mark.parametrize("name", [n for n in METHODS if REGISTRY[n].gate is not None])
def test_surrogate_is_the_native_aggregate_of_the_registered_gate(name):
    rgf = method(name)
    gen = torch.Generator().manual_seed(0)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=torch.bool)
    log_prob = 0.3 * torch.randn(3, 4, generator=gen, dtype=torch.float64)
    old = torch.zeros_like(log_prob)
    adv = torch.randn(3, generator=gen, dtype=torch.float64)
    ids = {"state_ids": torch.arange(12).reshape(3, 4), "group_ids": torch.tensor([0, 1, 0]),
           "domain_ids": torch.tensor([0, 0, 0])}
    needed = {k: ids[k] for k in rgf.ids}
    hyper = {"delta": 0.05} if name == "apc" else {}
    value = fc.surrogate(name, log_prob, old, adv, mask, **needed, **hyper)
    adv_tokens = adv[:, None].expand_as(log_prob)
    gate = rgf.gate(torch.where(mask, log_prob, 0), adv_tokens, mask, **needed, **rgf.hyper(hyper))
    assert torch.allclose(value, aggregate(gate * adv_tokens, mask, rgf.native_mode), atol=1e-14)


def test_hyper_names_are_checked():
    with pytest.raises(ValueError, match="unknown"):
        method("fiberpo").hyper({"c_plus": 0.1})
    with pytest.raises(ValueError, match="missing"):
        method("apc").hyper({})
    with pytest.raises(ValueError, match="not one of"):
        method("trpo")


def test_defaults_are_read_only_and_names_unique():
    with pytest.raises(TypeError):
        method("fiberpo").defaults["c_pos"] = 1.0
    with pytest.raises(ValueError, match="twice"):
        by_name((method("ppo"), RGFMethod("ppo", "PPO", None, None)))


@pytest.mark.parametrize("name", [n for n in FAMILY if FAMILY[n].clipped is not None])
def test_registered_clip_indicator_is_off_on_policy_and_on_far_off_policy(name):
    rgf = method(name)
    hyper = rgf.hyper({"cispo": {"eps_low": 0.2, "eps_high": 0.28}}.get(name, {}))
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
    ids = {"group_ids": torch.tensor([0, 1]), "domain_ids": torch.tensor([0, 0])}
    needed = {k: ids[k] for k in rgf.ids}
    on_policy = rgf.clipped(torch.zeros(2, 4, dtype=torch.float64), mask, **needed, **hyper)
    far = torch.tensor([[0.0, 2.0, -1.0, 0.0], [3.0, -3.0, 1.0, 0.0]], dtype=torch.float64)
    off_policy = rgf.clipped(far, mask, **needed, **hyper)
    assert not bool(on_policy.any())
    assert bool(off_policy[mask].any() if off_policy.dim() == 2 else off_policy.any())


def test_every_registered_method_has_a_colour():
    from fiberpo_check.plots.style import METHOD_COLORS

    assert set(METHODS) <= set(METHOD_COLORS)


# ---------------------------------------------------------------- the relatives and the tables that read the family

RELATIVE_HYPER = {"cispo": {"eps_low": 0.25, "eps_high": 1.0}, "dapo": {"eps_low": 0.1875, "eps_high": 0.28125},
                  "dr_grpo": {"eps_low": 0.25, "eps_high": 0.25}, "gspo_token": {"eps_low": 3e-4, "eps_high": 4e-4}}
VERL_KEYS = {"eps_low": "clip_ratio_low", "eps_high": "clip_ratio_high"}


def probe_batch(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=torch.bool)
    log_prob = 0.4 * torch.randn(3, 4, generator=gen, dtype=torch.float64)
    old = 0.1 * torch.randn(3, 4, generator=gen, dtype=torch.float64)
    adv = torch.randn(3, generator=gen, dtype=torch.float64)
    return log_prob, old, adv, mask


@pytest.mark.parametrize("name", sorted(RELATIVE_HYPER))
def test_conform_reference_of_a_relative_has_the_family_gradient(name):
    """conform's verl-signature reference of each relative and the family's RGF form give one gradient (for CISPO
    the RGF form's value is its IS weight, not -sg(clip r) A log pi, so gradients are compared)."""
    from fiberpo_check.verification.conform_variants import native_mode, reference_loss

    log_prob, old, adv, mask = probe_batch()
    hyper = RELATIVE_HYPER[name]
    ours = log_prob.clone().requires_grad_(True)
    (grad_family,) = torch.autograd.grad(fc.surrogate(name, ours, old, adv, mask, **hyper), ours)
    theirs = log_prob.clone().requires_grad_(True)
    loss, _ = reference_loss(name)(old_log_prob=old, log_prob=theirs, advantages=adv[:, None].expand(3, 4),
                                   response_mask=mask.double(), loss_agg_mode=native_mode(name),
                                   config={VERL_KEYS[k]: v for k, v in hyper.items()})
    (grad_reference,) = torch.autograd.grad(loss, theirs)
    assert native_mode(name) == method(name).native_mode
    assert torch.allclose(grad_family, -grad_reference, atol=1e-12)


def test_a_wrong_native_mode_breaks_the_tie():
    """Negative control: Dr. GRPO under GRPO's weights does not give the family's gradient."""
    from fiberpo_check.verification.conform_variants import reference_loss

    log_prob, old, adv, mask = probe_batch()
    ours = log_prob.clone().requires_grad_(True)
    (grad_family,) = torch.autograd.grad(fc.surrogate("dr_grpo", ours, old, adv, mask), ours)
    theirs = log_prob.clone().requires_grad_(True)
    loss, _ = reference_loss("dr_grpo")(old_log_prob=old, log_prob=theirs, advantages=adv[:, None].expand(3, 4),
                                        response_mask=mask.double(), loss_agg_mode="seq-mean-token-mean",
                                        config={"clip_ratio_low": 0.2, "clip_ratio_high": 0.2})
    (grad_reference,) = torch.autograd.grad(loss, theirs)
    assert not torch.allclose(grad_family, -grad_reference, atol=1e-6)


def test_framework_tables_read_the_family():
    from fiberpo_check.verification.checks.exact_surrogates import GATES
    from fiberpo_check.verification.conform_adapters import TRL_MODES
    from fiberpo_check.verification.conform_variants import VARIANTS, native_mode

    assert set(VARIANTS) <= set(FAMILY)
    assert {v: native_mode(v) for v in VARIANTS} == {v: method(v).native_mode for v in VARIANTS}
    assert TRL_MODES == {"grpo": "seq-mean-token-mean", "bnpo": "token-mean", "dr_grpo": "seq-mean-token-sum-norm",
                         "dapo": "token-mean", "cispo": "token-mean"}
    assert all(GATES[n] is REGISTRY[n] for n in METHODS if REGISTRY[n].gate is not None)


def test_cispo_needs_its_clip_range():
    with pytest.raises(ValueError, match="missing"):
        method("cispo").hyper({})
