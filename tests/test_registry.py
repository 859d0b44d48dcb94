"""The registry of RGF methods: one record per method, every consumer reads it."""

import pytest
import torch

import fiberpo_check as fc
from fiberpo_check.engine.aggregation import aggregate
from fiberpo_check.engine.microbatch import CONTEXT_METHODS
from fiberpo_check.engine.objectives import METHODS, REGISTRY, RGFMethod, method
from fiberpo_check.engine.objectives.registry import register_method


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
        register_method(RGFMethod("ppo", "PPO", None, None))


@pytest.mark.parametrize("name", [n for n in METHODS if REGISTRY[n].clipped is not None])
def test_registered_clip_indicator_is_off_on_policy_and_on_far_off_policy(name):
    rgf = method(name)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
    ids = {"group_ids": torch.tensor([0, 1]), "domain_ids": torch.tensor([0, 0])}
    needed = {k: ids[k] for k in rgf.ids}
    on_policy = rgf.clipped(torch.zeros(2, 4, dtype=torch.float64), mask, **needed, **rgf.hyper({}))
    far = torch.tensor([[0.0, 2.0, -1.0, 0.0], [3.0, -3.0, 1.0, 0.0]], dtype=torch.float64)
    off_policy = rgf.clipped(far, mask, **needed, **rgf.hyper({}))
    assert not bool(on_policy.any())
    assert bool(off_policy[mask].any() if off_policy.dim() == 2 else off_policy.any())


def test_every_registered_method_has_a_colour():
    from fiberpo_check.plots.style import METHOD_COLORS

    assert set(METHODS) <= set(METHOD_COLORS)
