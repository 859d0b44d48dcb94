"""Conformance checker: the project's losses conform, each deliberately wrong loss fails the property it breaks."""

import json

import pytest
import torch

from fiberpo_check.cli import conform as conform_cli
from fiberpo_check.conform import PROPERTIES, REFERENCE_LOSS, check_conformance, conforms, format_table, load_loss
from fiberpo_check.losses import compute_policy_loss_fiberpo, compute_policy_loss_fiberpo_domain
from tests.wrong_losses import RIGHT_LOSSES, WRONG_LOSSES


@pytest.mark.parametrize("variant, loss", [("fiberpo", compute_policy_loss_fiberpo),
                                           ("fiberpo_domain", compute_policy_loss_fiberpo_domain)])
def test_project_losses_conform(variant, loss):
    results = check_conformance(loss, variant)
    assert conforms(results), format_table(results)
    assert [r.name for r in results] == list(PROPERTIES)
    assert all(r.checks > 0 for r in results if r.status == "pass")


@pytest.mark.parametrize("name", sorted(WRONG_LOSSES))
def test_each_wrong_loss_fails_the_property_it_breaks(name):
    loss, prop = WRONG_LOSSES[name]
    (result,) = check_conformance(loss, "fiberpo", only=(prop,))
    assert result.status == "fail" and result.counterexample


def test_sign_zero_convention_is_free():
    """eq 13 leaves sign(0) open: sign(0) = -1 must conform (values and one-sided gradients)."""
    results = check_conformance(RIGHT_LOSSES["sign_zero_negative"], "fiberpo",
                                only=("zero_log_ratio", "identity_at_on_policy", "gradient"))
    assert conforms(results), format_table(results)


def test_float32_probes_still_catch_a_wrong_slope():
    (result,) = check_conformance(WRONG_LOSSES["unit_rollback_slope"][0], "fiberpo", dtype=torch.float32,
                                  only=("rollback_slope",))
    assert result.status == "fail"
    (result,) = check_conformance(compute_policy_loss_fiberpo, "fiberpo", dtype=torch.float32,
                                  only=("rollback_slope",))
    assert result.status == "pass"


def test_only_the_modes_a_loss_accepts_are_checked():
    def token_mean_only(**kwargs):
        if kwargs["loss_agg_mode"] != "token-mean":
            raise ValueError("loss_agg_mode: only token-mean")
        return REFERENCE_LOSS(**kwargs)

    assert conforms(check_conformance(token_mean_only, "fiberpo", only=("value", "aggregation_semantics")))


def test_cli_exit_codes_and_json(capsys):
    assert conform_cli.main(["fiberpo_check.losses:compute_policy_loss_fiberpo", "--only", "value", "zeroing"]) == 0
    assert "CONFORMS" in capsys.readouterr().out
    assert conform_cli.main(["tests.wrong_losses:no_zeroing_loss", "--only", "zeroing", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["conforms"] is False and report["properties"][0]["name"] == "zeroing"
    assert conform_cli.main(["no_such_module:f"]) == 2
    assert conform_cli.main(["fiberpo_check.losses"]) == 2
    assert conform_cli.main(["fiberpo_check.losses:nothing_here"]) == 2
    assert conform_cli.main(["fiberpo_check.losses:compute_policy_loss_fiberpo", "--variant", "trpo"]) == 2
    if not torch.cuda.is_available():
        assert conform_cli.main(["fiberpo_check.losses:compute_policy_loss_fiberpo", "--device", "cuda"]) == 2


def test_load_loss_names_the_problem():
    with pytest.raises(ValueError, match="MODULE:FUNC"):
        load_loss("just_a_module")
    assert load_loss("fiberpo_check.losses:compute_policy_loss_fiberpo") is compute_policy_loss_fiberpo
