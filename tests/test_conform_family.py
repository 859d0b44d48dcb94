"""Conformance checker on the RGF family: definitions equal the engine's objectives, the project's GRPO loss conforms
under every clip-family definition it implements, and the deviation profile names each planted deviation."""

import pytest
import torch

import fiberpo_check as fc
from fiberpo_check.losses import compute_policy_loss_grpo
from fiberpo_check.verification.conform import build_checker, check_conformance, conforms
from fiberpo_check.verification.conform_probes import probe_families
from fiberpo_check.verification.conform_report import deviation_profile, format_table
from fiberpo_check.verification.conform_variants import (
    CLIP_VARIANTS,
    native_mode,
    ClipGate,
    clamped,
    clip_loss,
    counts_empty_rows,
    fixed_mode,
    ignores_rollout_weights,
    reference_loss,
    with_config,
)
from tests.wrong_losses import REFERENCE, per_sign_eps_loss, shared_budget_loss, sign_zero_loss

ENGINE_METHOD = {"ppo": ("ppo", {}), "grpo": ("grpo", {}), "gspo": ("gspo", {}),
                 "gspo_token": ("gspo", {"token_level": True})}


@pytest.mark.parametrize("variant", sorted(ENGINE_METHOD))
def test_definitions_are_the_engine_objectives(variant):
    """-loss of the definition in its native mode is fc.surrogate of the method (App. C.4), value and gradient."""
    method, extra = ENGINE_METHOD[variant]
    probe = probe_families(variant)["regimes"][0]
    hyper = {"eps_low": probe.config["clip_ratio_low"], "eps_high": probe.config["clip_ratio_high"], **extra}
    log_prob = probe.log_prob.clone().requires_grad_(True)
    loss, _ = reference_loss(variant)(old_log_prob=probe.old_log_prob, log_prob=log_prob, advantages=probe.advantages,
                                      response_mask=probe.response_mask, loss_agg_mode=native_mode(variant),
                                      config=probe.config)
    other = probe.log_prob.clone().requires_grad_(True)
    objective = fc.surrogate(method, other, probe.old_log_prob, probe.advantages, probe.response_mask, **hyper)
    torch.testing.assert_close(loss, -objective, rtol=1e-12, atol=0)
    grads = [torch.autograd.grad(v, x)[0] for v, x in ((loss, log_prob), (-objective, other))]
    torch.testing.assert_close(*grads, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("variant", ["ppo", "grpo", "dapo", "dr_grpo"])
def test_project_grpo_loss_conforms_to_each_ppo_clip_definition(variant):
    results = check_conformance(compute_policy_loss_grpo, variant)
    assert conforms(results), format_table(results)
    assert {r.name for r in results if r.status == "pass"} >= {"value", "gradient", "clip_semantics", "dual_clip",
                                                               "hyperparameters", "rollout_is_weights", "masks"}


@pytest.mark.parametrize("variant", ["gspo", "cispo"])
def test_project_grpo_loss_is_not_gspo_or_cispo(variant):
    assert not conforms(check_conformance(compute_policy_loss_grpo, variant, only=("value", "gradient")))


PLANTED = [
    (sign_zero_loss, "fiberpo", "sign(0) in neither channel"),
    (clamped(REFERENCE, 10.0), "fiberpo", "log-ratio clamp at +-10"),
    (shared_budget_loss, "fiberpo", "one shared budget: C- = C+"),
    (per_sign_eps_loss, "fiberpo", "matches the definition only where A > 0"),
    (ignores_rollout_weights(REFERENCE), "fiberpo", "ignores rollout_is_weights"),
    (with_config(reference_loss("ppo"), clip_ratio_c=3.0), "ppo", "dual-clip overlay at clip_ratio_c = 3"),
    (clip_loss(ClipGate("gspo", token_level=True)), "gspo", "GSPO-token gradient"),
    (clip_loss(ClipGate("gspo", mean_clamp=10.0)), "gspo", "trajectory log-ratio clamped at 10"),
    (clip_loss(ClipGate("cispo", lower_clip=False)), "cispo", "IS weight clipped from above only"),
    (counts_empty_rows(reference_loss("grpo")), "grpo", "normaliser counts empty rows"),
    (fixed_mode(reference_loss("dapo"), "seq-mean-token-mean"), "dapo",
     "ignores loss_agg_mode (always seq-mean-token-mean)"),
]


@pytest.mark.parametrize("loss, variant, expected", PLANTED, ids=[p[2] for p in PLANTED])
def test_deviation_profile_names_the_planted_deviation(loss, variant, expected):
    found = deviation_profile(build_checker(loss, variant))
    assert any(d.name.startswith(expected) for d in found), [d.name for d in found]
    assert all(d.evidence for d in found)  # each with its evidence


@pytest.mark.slow
@pytest.mark.parametrize("variant", CLIP_VARIANTS)
def test_each_definition_conforms_to_itself_with_an_empty_profile(variant):
    """The checker's own definition passes every property that applies, and no deviation is claimed for it."""
    checker = build_checker(reference_loss(variant), variant)
    results = checker.run()
    assert conforms(results), format_table(results)
    assert deviation_profile(checker) == []
