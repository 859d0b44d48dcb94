"""The conformance checker's diagnosis, verdict levels, semantics, probe classes and inputs: each test names the gap of
the earlier checker it closes (a zero gradient taken for forward-only, typed-in constants, missing degenerate inputs,
a float32 reference, one verdict for mathematics and robustness, one framework version, diagnosis by nearest form,
file paths and 'checks 0')."""

import json

import pytest
import torch

from fiberpo_check.cli import conform as conform_cli
from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_grpo
from fiberpo_check.verification.conform import (
    build_checker,
    check_conformance,
    conforms,
    verdict,
)
from fiberpo_check.verification.conform_probes import DEGENERATE_CLASSES
from fiberpo_check.verification.conform_report import deviation_profile, format_table
from fiberpo_check.verification.conform_settings import Settings
from fiberpo_check.verification.conform_variants import VARIANTS, reference_loss
from tests.deviation_variants import NAMED, UNNAMED, dual_clip_hard_coded, grpo_skipping_zero_advantage_rows
from tests.wrong_losses import REFERENCE, hard_coded, numpy_forward_only, old_verl_sum_norm, unmasked_loss


def zero_gradient_loss(**kwargs):
    """Right values, but the whole gate under stop-gradient: a graph whose gradient is exactly zero."""
    value, metrics = REFERENCE(**kwargs)
    valid = torch.where(kwargs["response_mask"].bool(), kwargs["log_prob"], 0.0)
    return value.detach() + 0.0 * valid.sum(), metrics


def test_a_zero_gradient_is_judged_not_taken_for_forward_only():
    by_name = {r.name: r for r in check_conformance(zero_gradient_loss, "fiberpo", only=("value", "gradient"))}
    assert by_name["value"].status == "pass"
    assert by_name["gradient"].status == "fail"
    assert "identically zero" in by_name["gradient"].counterexample
    # the user may still declare a loss forward-only, and a loss without a graph is forward-only by itself
    assert conforms(check_conformance(zero_gradient_loss, "fiberpo", only=("value", "gradient"), forward_only=True))
    (gradient,) = check_conformance(numpy_forward_only, "fiberpo", only=("gradient",))
    assert gradient.status == "n/a" and "no autograd graph" in gradient.counterexample


def test_a_typed_in_dual_clip_constant_is_found_when_it_equals_the_configured_one():
    settings = Settings(hyper={"clip_ratio_c": 3.0})
    checker = build_checker(dual_clip_hard_coded, "ppo", settings=settings)
    results = {r.name: r for r in checker.run()}
    assert results["dual_clip"].status == "pass"  # the configured value is 3, so the dual clip itself agrees
    assert results["hyperparameters"].status == "fail"
    assert "ignores clip_ratio_c" in results["hyperparameters"].counterexample
    assert "ignores clip_ratio_c" in {d.name for d in deviation_profile(checker, list(results.values()))}
    assert conforms(check_conformance(reference_loss("ppo"), "ppo", settings=settings, only=("hyperparameters",)))


@pytest.mark.parametrize("variant", ["fiberpo", "dapo", "dr_grpo"])
def test_every_key_the_definition_reads_is_varied_alone_and_jointly(variant):
    checker = build_checker(reference_loss(variant), variant)
    keys = {key for key, _ in checker.settings.variations(checker.families["regimes"][0], checker.hyper_keys())}
    expected = {"fiberpo": {"fiberpo_c_pos", "fiberpo_c_neg", "fiberpo_eps"},
                "dapo": {"clip_ratio_low", "clip_ratio_high"},
                "dr_grpo": {"clip_ratio_low", "clip_ratio_high", "loss_scale_factor"}}[variant]
    assert keys == expected | {"jointly"}


def test_hard_coded_budgets_are_named_ignored():
    checker = build_checker(hard_coded({"fiberpo_c_pos": 0.125, "fiberpo_c_neg": 0.0625}), "fiberpo")
    names = {d.name for d in deviation_profile(checker)}
    assert {"ignores fiberpo_c_pos", "ignores fiberpo_c_neg"} <= names and "ignores fiberpo_eps" not in names


def test_a_normaliser_bug_only_visible_on_zero_advantage_rows_is_caught():
    results = {r.name: r for r in check_conformance(grpo_skipping_zero_advantage_rows, "grpo")}
    assert results["degenerate_inputs"].status == "fail"
    assert "zero-advantage" in results["degenerate_inputs"].counterexample


QUICK = ("fiberpo", "fiberpo_domain", "grpo", "gspo")


@pytest.mark.parametrize("variant", [v if v in QUICK else pytest.param(v, marks=pytest.mark.slow) for v in VARIANTS])
def test_every_degenerate_class_is_covered_in_every_mode(variant):
    checker = build_checker(reference_loss(variant), variant)
    (result,) = checker.run(only=("degenerate_inputs",))
    assert result.status == "pass", result.counterexample
    token_level = variant != "gspo"  # GSPO's advantages are per trajectory
    covered = {name for name, (run, failed) in checker.coverage.items() if run >= len(checker.modes) and not failed}
    assert covered == set(DEGENERATE_CLASSES) - ({"zero-advantage tokens"} if not token_level else set())


def float64_then_cast_loss(old_log_prob, log_prob, advantages, response_mask, **kwargs):
    """Right, computed in float64 from the float32 inputs and cast back: closer to the exact value than float32."""
    wide = {k: v.double() for k, v in (("old_log_prob", old_log_prob), ("advantages", advantages))}
    loss, metrics = compute_policy_loss_fiberpo(log_prob=log_prob.double(), response_mask=response_mask, **wide,
                                                **{k: (v.double() if isinstance(v, torch.Tensor) else v)
                                                   for k, v in kwargs.items()})
    return loss.float(), metrics


def test_a_candidate_more_accurate_than_float32_is_not_rejected():
    results = check_conformance(float64_then_cast_loss, "fiberpo", dtype=torch.float32)
    assert conforms(results), format_table(results)
    # the tolerance still rejects a real deviation at float32
    from tests.wrong_losses import WRONG_LOSSES

    (slope,) = check_conformance(WRONG_LOSSES["unit_rollback_slope"][0], "fiberpo", dtype=torch.float32,
                                 only=("rollback_slope",))
    assert slope.status == "fail"


@pytest.mark.parametrize("variant, loss", [("fiberpo", compute_policy_loss_fiberpo), ("dapo", compute_policy_loss_grpo)])
def test_right_losses_conform_on_float32_probes(variant, loss):
    """float32 inputs against the float64 reference: ties at the clip edges and |log r| = 15 rounded differently by
    the loss than by the reference are within the inputs' rounding, not deviations."""
    results = check_conformance(loss, variant, dtype=torch.float32)
    assert verdict(results) == "conforms", format_table(results)


def test_padding_leaks_are_a_warning_with_their_own_exit_status(capsys):
    results = check_conformance(unmasked_loss, "fiberpo")
    assert verdict(results) == "conforms-with-warnings" and verdict(results, strict=True) == "does-not-conform"
    assert {r.name for r in results if r.status == "warn"} == {"masks"}
    spec = "tests.wrong_losses:unmasked_loss"
    assert conform_cli.main([spec, "--only", "value", "masks"]) == 3
    out = capsys.readouterr().out
    assert "robustness (outside the paper's definition" in out and "CONFORMS, WITH ROBUSTNESS WARNINGS" in out
    assert "padding leaks" in out
    assert conform_cli.main([spec, "--only", "value", "masks", "--strict"]) == 1


def test_a_robustness_probe_does_not_repeat_a_deviation_of_the_definition():
    """A loss with a mathematical deviation but clean padding handling warns about nothing."""
    from tests.wrong_losses import shared_budget_loss

    results = check_conformance(shared_budget_loss, "fiberpo", only=("masks", "empty_rows", "global_normalisers"))
    assert all(r.status == "pass" for r in results), format_table(results)


def test_framework_semantics_by_version():
    loss = old_verl_sum_norm(REFERENCE)  # seq-mean-token-sum-norm as verl's older agg_loss: sum / horizon only
    only = ("aggregation_semantics", "degenerate_inputs")
    assert not conforms(check_conformance(loss, "fiberpo", only=only, semantics_name="verl-0.9"))
    results = check_conformance(loss, "fiberpo", only=only, modes=("seq-mean-token-sum-norm",),
                                semantics_name="verl-0.4")
    assert conforms(results), format_table(results)
    checker = build_checker(REFERENCE, "fiberpo")
    assert checker.semantics.name == "verl-0.9" and checker.semantics_reason.startswith("default")


def test_cli_reports_the_semantics_used(capsys):
    spec = "fiberpo_check.losses:compute_policy_loss_fiberpo"
    assert conform_cli.main([spec, "--only", "value", "--semantics", "verl-0.4", "--modes", "token-mean", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["semantics"].startswith("verl-0.4") and report["verdict"] == "conforms"
    # the project's loss aggregates as verl 0.9: under verl 0.4 its seq-mean-token-sum-norm differs
    assert conform_cli.main([spec, "--only", "value", "--semantics", "verl-0.4", "--json"]) == 1
    capsys.readouterr()
    assert conform_cli.main([spec, "--semantics", "verl-0.1"]) == 2


@pytest.mark.parametrize("name", sorted(NAMED))
def test_the_diagnosis_names_the_form_a_wrong_loss_has(name):
    loss, variant, expected = NAMED[name]
    checker = build_checker(loss, variant)
    found = [d for d in deviation_profile(checker) if d.level == "deviation"]
    assert len(found) == 1 and found[0].name.startswith(expected), [d.name for d in found]
    assert found[0].evidence


@pytest.mark.parametrize("name", sorted(UNNAMED))
def test_the_diagnosis_says_so_when_no_form_fits(name):
    loss, variant = UNNAMED[name]
    found = [d for d in deviation_profile(build_checker(loss, variant)) if d.level == "deviation"]
    assert [d.name for d in found] == ["no known deviation form fits"]


def test_a_file_path_spec_and_failing_rows_say_what_was_checked(tmp_path, capsys):
    source = tmp_path / "my_loss.py"
    source.write_text("from tests.wrong_losses import shared_budget_loss as my_loss\n")
    assert conform_cli.main([f"{source}:my_loss", "--only", "value", "zeroing"]) == 1
    out = capsys.readouterr().out
    assert "DOES NOT CONFORM" in out and "checked: loss value" in out
    assert "one shared budget: C- = C+" in out
    fail_rows = [line for line in out.splitlines() if line.startswith(("value ", "zeroing "))]
    assert all(int(line.split()[2]) > 0 for line in fail_rows), fail_rows
    assert conform_cli.main([f"{tmp_path / 'missing.py'}:my_loss"]) == 2


def test_project_grpo_loss_ignores_no_key_and_has_no_warning():
    results = check_conformance(compute_policy_loss_grpo, "dr_grpo")
    assert verdict(results) == "conforms", format_table(results)
