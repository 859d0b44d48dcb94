"""Conformance checker on FiberPO: the project's losses conform, each wrong loss fails the property it breaks, and
each gap of the earlier checker (false accepts, false rejects, users it could not serve) is closed."""

import json

import pytest
import torch

from fiberpo_check.cli import conform as conform_cli
from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain
from fiberpo_check.verification.conform import PROPERTIES, ROBUSTNESS, check_conformance, conforms, load_loss
from fiberpo_check.verification.conform_probes import LONG_LENGTHS, interleaved_hierarchy, probe_families
from fiberpo_check.verification.conform_report import format_table
from fiberpo_check.verification.conform_settings import Settings, parse_budget
from fiberpo_check.verification.conform_variants import fiber_loss, reference_loss
from tests.wrong_losses import RIGHT_LOSSES, WRONG_LOSSES, per_sign_eps_loss, raises_on_long_rows, shared_budget_loss


@pytest.mark.parametrize("variant, loss", [("fiberpo", compute_policy_loss_fiberpo),
                                           ("fiberpo_domain", compute_policy_loss_fiberpo_domain)])
def test_project_losses_conform(variant, loss):
    results = check_conformance(loss, variant)
    assert conforms(results), format_table(results)
    assert [r.name for r in results] == list(PROPERTIES)
    assert all(r.checks > 0 for r in results if r.status == "pass")
    assert {r.name for r in results if r.status == "n/a"} == {"clip_semantics", "dual_clip"} | (
        {"eq20"} if variant == "fiberpo_domain" else set())
    assert not any(r.status == "warn" for r in results), format_table(results)


@pytest.mark.parametrize("name", sorted(WRONG_LOSSES))
def test_each_wrong_loss_fails_the_property_it_breaks(name):
    loss, variant, prop = WRONG_LOSSES[name]
    (result,) = check_conformance(loss, variant, only=(prop,))
    assert result.status == ("warn" if prop in ROBUSTNESS else "fail") and result.counterexample
    assert result.checks > 0 and result.checked  # a failing row says what was checked


@pytest.mark.parametrize("name", sorted(RIGHT_LOSSES))
def test_unusual_but_right_losses_conform(name):
    """sign(0) = -1 (eq 13 leaves it open), float32 budgets, [B, T]-only advantages: all must conform."""
    results = check_conformance(RIGHT_LOSSES[name], "fiberpo")
    assert conforms(results), format_table(results)


def test_probes_reach_every_regime_at_every_scale():
    families = probe_families("fiberpo")
    assert max(LONG_LENGTHS) >= 4096 and min(LONG_LENGTHS) == 1
    long_rows = [p for p in families["long_short"] if p.response_mask.sum(-1).max() >= 4096]
    assert {p.name.split(", ")[1] for p in long_rows} == {"rollback+/rollback-", "zeroed+/rollback-",
                                                          "rollback+/zeroed-"}
    for family in families.values():
        for probe in family:
            assert probe.advantages.shape == probe.log_prob.shape, probe.label  # verl's [B, T] everywhere
    assert {p.name for p in families["masks"]} == {"NaN padding", "+inf padding", "-inf padding"}
    assert "fully masked row" in {p.name for p in families["empty_rows"]}
    assert all(p.twin is not None for p in families["masks"] + families["empty_rows"] + families["global_normalisers"])
    assert all(p.rollout_is_weights is not None for p in families["rollout_is_weights"])
    largest = max(float((p.log_prob - p.old_log_prob)[p.response_mask].abs().max()) for p in families["large_log_ratio"])
    assert largest >= 15


def test_domain_probes_have_interleaved_unequal_groups():
    group, domain = interleaved_hierarchy(12, seed=0)
    sizes = torch.unique(group, return_counts=True)[1]
    assert len(set(sizes.tolist())) > 1  # unequal
    assert len(torch.unique_consecutive(group)) > len(torch.unique(group))  # a group is not contiguous
    assert len(torch.unique_consecutive(domain)) > len(torch.unique(domain))  # a domain is not contiguous
    assert int(group.min()) > 0  # ids are not 0..n-1


def test_exception_is_reported_with_type_message_and_probe():
    (result,) = check_conformance(raises_on_long_rows, "fiberpo", only=("value",))
    assert "raised RuntimeError: sequence too long for this kernel" in result.counterexample
    assert "long_short/" in result.counterexample  # the probe that caused it


def test_forward_only_loss_is_checked_on_values():
    from tests.wrong_losses import numpy_forward_only

    results = check_conformance(numpy_forward_only, "fiberpo")
    assert conforms(results), format_table(results)
    by_name = {r.name: r for r in results}
    assert by_name["value"].status == "pass"
    assert by_name["gradient"].status == "n/a" and "not checkable" in by_name["gradient"].counterexample
    assert by_name["masks"].status == "pass" and "values only" in by_name["masks"].counterexample


def test_budgets_are_inputs_shared_budget_and_per_sign_eps():
    """The user's C+, C-, eps are checked; a shared-budget loss conforms under one key; per-sign eps is expressible."""
    assert not conforms(check_conformance(shared_budget_loss, "fiberpo", only=("value",)))
    shared = Settings(hyper={"fiberpo_c_pos": 0.09375, "fiberpo_c_neg": 0.09375},
                      key_map={"fiberpo_c_pos": "budget", "fiberpo_c_neg": "budget"})

    def one_key_loss(**kwargs):
        config = kwargs["config"]
        assert "fiberpo_c_pos" not in config  # only the mapped name reaches the loss
        both = {"fiberpo_c_pos": config["budget"], "fiberpo_c_neg": config["budget"]}
        return reference_loss("fiberpo")(**{**kwargs, "config": {**config, **both}})

    results = check_conformance(one_key_loss, "fiberpo", settings=shared)
    assert conforms(results), format_table(results)
    per_sign = Settings(hyper={"fiberpo_eps_neg": 0.046875}, key_map={"fiberpo_eps_neg": "eps_negative_advantage"})
    assert not conforms(check_conformance(per_sign_eps_loss, "fiberpo", only=("value",)))
    results = check_conformance(per_sign_eps_loss, "fiberpo", settings=per_sign,
                                only=("value", "gradient", "hyperparameters"))
    assert conforms(results), format_table(results)


def test_per_level_budgets_for_the_domain_variant():
    budgets = {"fiberpo_c_pos": parse_budget("domain=0.0625,group=0.09375,trajectory=0.125"),
               "fiberpo_c_neg": parse_budget("domain=0.03125,group=0.046875,trajectory=0.0625")}
    results = check_conformance(compute_policy_loss_fiberpo_domain, "fiberpo_domain", settings=Settings(budgets),
                                only=("value", "gradient", "hyperparameters", "rollback_slope"))
    assert conforms(results), format_table(results)


def test_float32_probes_still_catch_a_wrong_slope():
    (result,) = check_conformance(WRONG_LOSSES["unit_rollback_slope"][0], "fiberpo", dtype=torch.float32,
                                  only=("rollback_slope",))
    assert result.status == "fail"
    (result,) = check_conformance(compute_policy_loss_fiberpo, "fiberpo", dtype=torch.float32,
                                  only=("rollback_slope",))
    assert result.status == "pass"


def test_only_the_modes_a_loss_accepts_are_checked():
    reference = fiber_loss()

    def token_mean_only(**kwargs):
        if kwargs["loss_agg_mode"] != "token-mean":
            raise ValueError("loss_agg_mode: only token-mean")
        return reference(**kwargs)

    assert conforms(check_conformance(token_mean_only, "fiberpo", only=("value", "aggregation_semantics")))


def test_cli_exit_codes_json_options_and_dump(capsys, tmp_path):
    spec = "fiberpo_check.losses:compute_policy_loss_fiberpo"
    assert conform_cli.main([spec, "--only", "value", "zeroing", "--c-pos", "0.09375", "--eps", "0.015625"]) == 0
    assert "CONFORMS" in capsys.readouterr().out
    assert conform_cli.main(["tests.wrong_losses:no_zeroing_loss", "--only", "zeroing", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["conforms"] is False and report["properties"][0]["name"] == "zeroing"
    assert conform_cli.main(["tests.wrong_losses:sign_zero_loss", "--dump", str(tmp_path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in report["deviations"]] == [
        "sign(0) in neither channel: zero log-ratio tokens dropped from the fiber residual (eq 13)"]
    saved = torch.load(tmp_path / "zero_log_ratio.pt", weights_only=False)
    assert saved["inputs"]["log_prob"].shape == saved["expected_grad"].shape and saved["expected_loss"].dim() == 0
    for bad in (["no_such_module:f"], ["fiberpo_check.losses"], ["fiberpo_check.losses:nothing_here"],
                [spec, "--variant", "trpo"], [spec, "--config", "novalue"], [spec, "--map", "=x"]):
        assert conform_cli.main(bad) == 2, bad
    if not torch.cuda.is_available():
        assert conform_cli.main([spec, "--device", "cuda"]) == 2


def test_load_loss_names_the_problem():
    with pytest.raises(ValueError, match="MODULE:FUNC"):
        load_loss("just_a_module")
    assert load_loss("fiberpo_check.losses:compute_policy_loss_fiberpo") is compute_policy_loss_fiberpo
