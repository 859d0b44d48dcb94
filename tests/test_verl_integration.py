"""The verl plugin: registration through verl's decorator and keyword call, config keys, global normalisers.

`test_*_stand_in` use a stand-in of verl's registry (the decorator, the lookup and its error, the keyword call of
dp_actor) and run everywhere; `test_real_verl_*` run against an installed verl and are skipped without it.
"""

import importlib
import importlib.util
import os
import subprocess
import sys
import types
from dataclasses import dataclass, field

import pytest
import torch

from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain
from tests.test_fast_loss import DOMAINS, GROUPS, regime_batch


def stand_in_verl() -> dict[str, types.ModuleType]:
    """verl.trainer.ppo.core_algos (POLICY_LOSS_REGISTRY, register_policy_loss, get_policy_loss_fn) and an actor config."""
    core_algos = types.ModuleType("verl.trainer.ppo.core_algos")
    core_algos.POLICY_LOSS_REGISTRY = {}

    def register_policy_loss(name):
        def decorator(func):
            core_algos.POLICY_LOSS_REGISTRY[name] = func
            return func

        return decorator

    def get_policy_loss_fn(name):
        if name not in core_algos.POLICY_LOSS_REGISTRY:
            raise ValueError(f"Unsupported loss mode: {name}. Supported modes are: {list(core_algos.POLICY_LOSS_REGISTRY)}")
        return core_algos.POLICY_LOSS_REGISTRY[name]

    @dataclass
    class FSDPActorConfig:  # verl's BaseConfig: a dataclass with dict-like get and a set of mutable fields
        _mutable_fields = set()
        global_batch_info: dict = field(default_factory=dict)

        def get(self, key, default=None):
            return getattr(self, key, default)

    core_algos.register_policy_loss, core_algos.get_policy_loss_fn = register_policy_loss, get_policy_loss_fn
    config = types.ModuleType("verl.workers.config")
    config.FSDPActorConfig = FSDPActorConfig
    names = ["verl", "verl.trainer", "verl.trainer.ppo", "verl.workers"]
    return {name: types.ModuleType(name) for name in names} | {core_algos.__name__: core_algos, config.__name__: config}


@pytest.fixture
def stand_in(monkeypatch):
    """The plugin imported against the stand-in verl; re-imported against the real environment afterwards."""
    for name, module in stand_in_verl().items():
        monkeypatch.setitem(sys.modules, name, module)
    plugin = importlib.reload(importlib.import_module("fiberpo_check.integrations.verl"))
    yield sys.modules["verl.trainer.ppo.core_algos"], plugin
    monkeypatch.undo()
    importlib.reload(plugin)


def verl_call(loss_fn, batch, config, mode="seq-mean-token-mean"):
    """The keyword call of verl's dp_actor."""
    log_prob, old, advantages, mask = batch
    return loss_fn(old_log_prob=old, log_prob=log_prob, advantages=advantages, response_mask=mask,
                   loss_agg_mode=mode, config=config, rollout_is_weights=None)


def test_registration_and_keyword_call_stand_in(stand_in):
    core_algos, plugin = stand_in
    assert core_algos.get_policy_loss_fn("fiberpo") is compute_policy_loss_fiberpo
    assert core_algos.get_policy_loss_fn("fiberpo_domain") is compute_policy_loss_fiberpo_domain
    config = plugin.FiberPOActorConfig(fiberpo_c_pos=0.1, fiberpo_eps=0.03)
    config.fiberpo_group_ids, config.fiberpo_domain_ids = GROUPS, DOMAINS
    batch = regime_batch()
    for name in ("fiberpo", "fiberpo_domain"):
        loss, metrics = verl_call(core_algos.get_policy_loss_fn(name), batch, config)
        direct = {"fiberpo_c_pos": 0.1, "fiberpo_c_neg": 0.08, "fiberpo_eps": 0.03,
                  "fiberpo_group_ids": GROUPS, "fiberpo_domain_ids": DOMAINS}
        assert float(loss) == float(verl_call(plugin.LOSS_MODES[name], batch, direct)[0])
        assert {"actor/pg_clipfrac", "actor/ppo_kl", "actor/pg_clipfrac_lower"} <= set(metrics)


def test_global_normalisers_are_honoured_stand_in(stand_in):
    core_algos, plugin = stand_in
    batch, loss_fn = regime_batch(), core_algos.get_policy_loss_fn("fiberpo")
    local = float(verl_call(loss_fn, batch, plugin.FiberPOActorConfig(), "token-mean")[0])
    config = plugin.FiberPOActorConfig()
    config.global_batch_info.update({"dp_size": 4, "batch_num_tokens": 500})  # verl fills it in place per step
    scaled = float(verl_call(loss_fn, batch, config, "token-mean")[0])
    assert scaled == pytest.approx(local * 4 * int(batch[3].sum()) / 500, rel=1e-12)


def test_unknown_mode_is_verls_error_stand_in(stand_in):
    core_algos, _ = stand_in
    with pytest.raises(ValueError, match="Unsupported loss mode"):
        core_algos.get_policy_loss_fn("fiber_po")


REAL_VERL = """
import torch
from omegaconf import OmegaConf
from verl.trainer.ppo.core_algos import get_policy_loss_fn
from verl.utils.config import omega_conf_to_dataclass
from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain
assert get_policy_loss_fn("fiberpo") is compute_policy_loss_fiberpo
assert get_policy_loss_fn("fiberpo_domain") is compute_policy_loss_fiberpo_domain
actor = OmegaConf.create({"_target_": "fiberpo_check.integrations.verl.FiberPOActorConfig", "strategy": "fsdp",
    "rollout_n": 2, "ppo_mini_batch_size": 4, "ppo_micro_batch_size_per_gpu": 2, "fiberpo_eps": 0.03,
    "fiberpo_c_pos": {"domain": 0.2, "group": 0.1, "trajectory": 0.12},
    "policy_loss": {"_target_": "verl.workers.config.PolicyLossConfig", "loss_mode": "fiberpo_domain"}})
config = omega_conf_to_dataclass(actor)
config.fiberpo_group_ids, config.fiberpo_domain_ids = torch.tensor([0, 0, 1, 1]), torch.tensor([0, 0, 0, 0])
config.global_batch_info.update({"dp_size": 2, "global_batch_size": 8})  # verl fills it in place
gen = torch.Generator().manual_seed(0)
old = -torch.rand(4, 6, generator=gen); log_prob = old + 0.1 * torch.randn(4, 6, generator=gen)
adv, mask = torch.randn(4, 6, generator=gen), torch.ones(4, 6)
loss_fn = get_policy_loss_fn(config.policy_loss.loss_mode)
loss, metrics = loss_fn(old_log_prob=old, log_prob=log_prob, advantages=adv, response_mask=mask,
    loss_agg_mode="seq-mean-token-mean", config=config, rollout_is_weights=None)
direct = {"fiberpo_c_pos": {"domain": 0.2, "group": 0.1, "trajectory": 0.12}, "fiberpo_eps": 0.03,
    "fiberpo_group_ids": config.fiberpo_group_ids, "fiberpo_domain_ids": config.fiberpo_domain_ids,
    "global_batch_info": {"dp_size": 2, "global_batch_size": 8}}
expected = compute_policy_loss_fiberpo_domain(old, log_prob, adv, mask, config=direct)[0]
assert float(loss) == float(expected), (float(loss), float(expected))
print("real verl ok")
"""


@pytest.mark.skipif(importlib.util.find_spec("verl") is None, reason="verl is not installed (optional extra 'verl')")
def test_real_verl_registry_via_external_modules():
    env = dict(os.environ, VERL_USE_EXTERNAL_MODULES="fiberpo_check.integrations.verl")
    done = subprocess.run([sys.executable, "-c", REAL_VERL], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "real verl ok" in done.stdout, done.stderr[-3000:]


# --- the conformance checker against the installed verl: verl's own semantics and its registered losses -----------

requires_verl = pytest.mark.skipif(importlib.util.find_spec("verl") is None,
                                   reason="verl is not installed (optional extra 'verl')")
NORMALISERS = [{}, {"dp_size": 2, "batch_num_tokens": 100, "global_batch_size": 16, "loss_scale_factor": 32},
               {"dp_size": 1, "loss_scale_factor": 7}]


@requires_verl
@pytest.mark.parametrize("info", NORMALISERS, ids=["local", "global", "scale-factor"])
def test_real_verl_agg_loss_is_the_engine_aggregate(info):
    """verl 0.9.1's agg_loss and the checker's expected aggregation agree on every mode the checker checks."""
    from verl.trainer.ppo.core_algos import agg_loss

    from fiberpo_check.engine.aggregation import MODES, aggregate
    from fiberpo_check.losses import normalizers

    gen = torch.Generator().manual_seed(0)
    mask = torch.arange(9)[None, :] < torch.tensor([3, 0, 9, 1, 5, 2, 7, 4])[:, None]
    values = torch.randn(mask.shape, generator=gen, dtype=torch.float64)
    for mode in MODES:
        expected = aggregate(values, mask, mode, normalizers({"global_batch_info": info}))
        got = agg_loss(values, mask.double(), mode, **info)
        torch.testing.assert_close(got, expected, rtol=1e-7, atol=0)  # verl divides a row by (T + 1e-8)


def verl_fiberpo_with_verls_agg_loss(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="token-mean",
                                     config=None, rollout_is_weights=None):
    """A FiberPO loss that aggregates with verl's own agg_loss (as a verl user writes it), [B, T] advantages."""
    from verl.trainer.ppo.core_algos import agg_loss

    from fiberpo_check.verification.conform_variants import fiber_gate, reference_log_gate

    mask = response_mask.bool()
    log_ratio = torch.where(mask, log_prob - old_log_prob, 0.0)
    adv = torch.where(mask, advantages, 0.0)
    pg_losses = -fiber_gate(reference_log_gate, log_ratio, mask, adv, config) * adv
    if rollout_is_weights is not None:
        pg_losses = pg_losses * torch.where(mask, rollout_is_weights, 0.0)
    return agg_loss(pg_losses, mask, loss_agg_mode, **(config.get("global_batch_info") or {})), {}


@requires_verl
def test_real_verl_a_loss_calling_verls_agg_loss_conforms():
    from fiberpo_check.verification.conform import check_conformance, conforms
    from fiberpo_check.verification.conform_report import format_table

    results = check_conformance(verl_fiberpo_with_verls_agg_loss, "fiberpo")
    assert conforms(results), format_table(results)


# (registered loss, variant) -> (failing properties, deviations the diagnosis names) for verl 0.9.1; every loss also
# warns on `masks` (a robustness property: padding garbage leaks through verl's multiplication by the mask)
LEAK = "NaN, +inf, -inf padding leaks into the loss (mask multiplied in, not selected)"
PPO_CLIP_FAILS = {"aggregation_semantics", "clip_semantics", "degenerate_inputs", "dual_clip", "gradient",
                  "hyperparameters", "large_log_ratio", "rollout_is_weights", "value"}
DUAL_CLIP = "dual-clip overlay at clip_ratio_c = 3 (not configured)"
EXPECTED_VERL = {
    ("vanilla", "ppo"): (PPO_CLIP_FAILS, {DUAL_CLIP, LEAK}),
    ("vanilla", "dr_grpo"): (PPO_CLIP_FAILS, {DUAL_CLIP, LEAK}),
    ("gspo", "gspo"): ({"large_log_ratio", "rollout_is_weights"},
                       {"GSPO-token gradient (stop-gradient on the sequence ratio) + trajectory log-ratio clamped at 10 "
                        "from above", LEAK}),
    ("gspo", "gspo_token"): ({"large_log_ratio"}, {"trajectory log-ratio clamped at 10 from above", LEAK}),
    ("cispo", "cispo"): (set(), {LEAK}),
}


@requires_verl
@pytest.mark.parametrize("name, variant", sorted(EXPECTED_VERL), ids=[f"{n}-{v}" for n, v in sorted(EXPECTED_VERL)])
def test_real_verl_registered_losses_against_their_definitions(name, variant):
    """verl's registered losses, looked up with get_policy_loss_fn; each deviation found is recorded here."""
    from verl.trainer.ppo.core_algos import get_policy_loss_fn

    from fiberpo_check.verification.conform import build_checker
    from fiberpo_check.verification.conform_adapters import verl_actor_config
    from fiberpo_check.verification.conform_report import deviation_profile
    from fiberpo_check.verification.conform_settings import Settings

    checker = build_checker(get_policy_loss_fn(name), variant, settings=Settings(factory=verl_actor_config))
    results = checker.run()
    fails, deviations = EXPECTED_VERL[(name, variant)]
    assert checker.semantics.name == "verl-0.9"  # detected: the loss calls verl 0.9.1's agg_loss
    assert {r.name for r in results if r.status == "fail"} == fails
    assert {r.name for r in results if r.status == "warn"} == {"masks"}
    assert {d.name for d in deviation_profile(checker, results)} == deviations


@requires_verl
def test_real_verl_vanilla_is_dual_clip_ppo():
    """With the dual clip configured (clip_ratio_c = 3, verl's default), vanilla is PPO; only padding leaks remain."""
    from verl.trainer.ppo.core_algos import get_policy_loss_fn

    from fiberpo_check.verification.conform import check_conformance
    from fiberpo_check.verification.conform_adapters import verl_actor_config
    from fiberpo_check.verification.conform_settings import Settings

    settings = Settings(hyper={"clip_ratio_c": 3.0}, factory=verl_actor_config)
    results = check_conformance(get_policy_loss_fn("vanilla"), "ppo", settings=settings)
    assert {r.name for r in results if r.status in ("fail", "warn")} == {"masks"}
    assert {r.name for r in results if r.status == "warn"} == {"masks"}
