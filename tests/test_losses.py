"""verl-signature losses: FiberPO / FiberPO-Domain against the reference, GRPO baseline, metrics, bad input."""

import math

import pytest
import torch

from fiberpo_check.engine.aggregation import aggregate
from fiberpo_check.engine.objectives import grpo
from fiberpo_check.engine.objectives.fiberpo import fiberpo_parts
from fiberpo_check.engine.objectives.fiberpo_domain import fiberpo_domain_parts
from fiberpo_check.losses import (
    compute_policy_loss_fiberpo,
    compute_policy_loss_fiberpo_domain,
    compute_policy_loss_grpo,
)
from tests.test_fast_loss import DOMAINS, EPS, GROUPS, regime_batch

CONFIG = {"fiberpo_c_pos": 0.12, "fiberpo_c_neg": 0.08, "fiberpo_eps": EPS}
DOMAIN_CONFIG = CONFIG | {"fiberpo_group_ids": GROUPS, "fiberpo_domain_ids": DOMAINS}


def reference_parts(log_prob, old, mask, domain):
    keep = mask.any(dim=-1)
    log_ratio = torch.where(mask, log_prob - old, 0)[keep]
    if domain:
        return fiberpo_domain_parts(log_ratio, mask[keep], GROUPS[keep], DOMAINS[keep], c_pos=0.12, c_neg=0.08, eps=EPS)
    return fiberpo_parts(log_ratio, mask[keep], c_pos=0.12, c_neg=0.08, eps=EPS)


@pytest.mark.parametrize("domain", [False, True], ids=["fiberpo", "fiberpo_domain"])
def test_loss_gradient_and_metrics_equal_the_reference(domain):
    log_prob, old, advantages, mask = regime_batch()
    weights = torch.where(mask, 0.5 + torch.rand(mask.shape, dtype=torch.float64), math.nan)  # NaN where masked
    leaf = log_prob.clone().requires_grad_()
    loss_fn, config = (compute_policy_loss_fiberpo_domain, DOMAIN_CONFIG) if domain else (compute_policy_loss_fiberpo, CONFIG)
    info = {"dp_size": 2, "batch_num_tokens": 70}
    loss, metrics = loss_fn(old, leaf, advantages, mask.float(), "token-mean", config | {"global_batch_info": info}, weights)
    loss.backward()
    ref_leaf = log_prob.clone().requires_grad_()
    parts = reference_parts(ref_leaf, old, mask, domain)
    keep = mask.any(dim=-1)
    values = torch.exp(parts.log_gate) * advantages[keep] * torch.nan_to_num(weights)[keep]
    expected = -aggregate(values, mask[keep], "token-mean") * 2 * mask.sum() / 70
    expected.backward()
    assert abs(float(loss - expected)) < 1e-12
    assert torch.allclose(leaf.grad, ref_leaf.grad, rtol=0, atol=1e-12)
    valid = parts.mask
    assert metrics["fiberpo/fiber_clip_frac"] == pytest.approx(float((parts.same_sign.abs() > EPS)[valid].double().mean()))
    assert metrics["fiberpo/fiber_clip_opposite_frac"] == pytest.approx(float((parts.opposite_sign.abs() > EPS)[valid].double().mean()))
    assert metrics["actor/ppo_kl"] == pytest.approx(float(-parts.log_ratio[valid].mean()), abs=1e-12)
    assert metrics["fiberpo/mean_ratio"] == pytest.approx(float(torch.exp(parts.log_ratio[valid]).mean()))
    assert metrics["fiberpo/mean_base_weight"] == pytest.approx(float(torch.exp(parts.base_log_weight).mean()))
    levels = ("domain", "group", "trajectory") if domain else ("trajectory",)
    assert {f"fiberpo/{level}_{c}_{r}_frac" for level in levels for c in ("pos", "neg") for r in ("rollback", "zeroed")} <= set(metrics)
    assert all(isinstance(v, float) for v in metrics.values())


def test_per_level_budgets_and_bf16_inputs():
    log_prob, old, advantages, mask = regime_batch()
    budgets = {"domain": 0.2, "group": 0.1, "trajectory": 0.12}
    config = DOMAIN_CONFIG | {"fiberpo_c_pos": budgets}
    loss, _ = compute_policy_loss_fiberpo_domain(old.bfloat16(), log_prob.bfloat16(), advantages.bfloat16(), mask, config=config)
    assert loss.dtype == torch.float32 and math.isfinite(float(loss))


def test_grpo_baseline_is_the_grpo_objective():
    log_prob, old, advantages, mask = regime_batch()
    log_ratio = torch.where(mask, log_prob - old, 0)
    loss, metrics = compute_policy_loss_grpo(old, log_prob, advantages, mask, config={"clip_ratio": 0.1})
    assert abs(float(loss + grpo.objective(log_ratio, advantages, mask, eps_low=0.1))) < 1e-12
    ratio = torch.exp(log_ratio)
    binds = (-advantages * ratio.clamp(0.9, 1.1) > -advantages * ratio) & mask
    assert metrics["actor/pg_clipfrac"] == pytest.approx(float(binds.sum() / mask.sum()))


@pytest.mark.parametrize("argument", ["log_prob", "old_log_prob", "advantages", "rollout_is_weights"])
@pytest.mark.parametrize("loss_fn", [compute_policy_loss_fiberpo, compute_policy_loss_grpo])
def test_non_finite_value_at_a_valid_position_names_the_argument(loss_fn, argument):
    log_prob, old, advantages, mask = regime_batch()
    inputs = {"log_prob": log_prob, "old_log_prob": old, "advantages": advantages, "rollout_is_weights": torch.ones_like(old)}
    inputs[argument] = inputs[argument].clone()
    inputs[argument][6, 2] = math.inf
    with pytest.raises(ValueError, match=argument):
        loss_fn(response_mask=mask, **inputs)


def test_domain_loss_needs_ids_and_an_aggregation_mode():
    log_prob, old, advantages, mask = regime_batch()
    with pytest.raises(ValueError, match="config"):
        compute_policy_loss_fiberpo_domain(old, log_prob, advantages, mask, config=CONFIG)
    with pytest.raises(ValueError, match="loss_agg_mode"):
        compute_policy_loss_fiberpo(old, log_prob, advantages, mask, "sum")
    with pytest.raises(ValueError, match="domain_ids"):
        compute_policy_loss_fiberpo_domain(old, log_prob, advantages, mask, config=DOMAIN_CONFIG | {"fiberpo_domain_ids": DOMAINS[:3]})
