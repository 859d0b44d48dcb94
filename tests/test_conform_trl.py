"""TRL's GRPO loss as GRPOTrainer._compute_loss computes it (on a stub trainer), against each definition it claims.

Each deviation found is recorded in EXPECTED_TRL (trl 1.16.0).
"""

import pytest

pytest.importorskip("trl", reason="TRL is not installed (optional extra 'trl': pip install -e '.[trl]')")

from fiberpo_check.verification import conform_adapters  # noqa: E402
from fiberpo_check.verification.conform import build_checker  # noqa: E402
from fiberpo_check.verification.conform_report import deviation_profile  # noqa: E402

LEAK = "NaN, +inf, -inf padding leaks into the loss (mask multiplied in, not selected)"
LOCAL = "ignores global_batch_info: local normalisers under data parallelism"
# (loss_type, variant) -> (failing properties, deviations the diagnosis names) under TRL 1.x semantics (detected);
# every loss also warns on `masks` (padding garbage leaks through the multiplication by the completion mask)
EXPECTED_TRL = {
    ("grpo", "grpo"): (set(), {LEAK}),
    ("bnpo", "ppo"): (set(), {LOCAL, LEAK}),
    ("dapo", "dapo"): (set(), {LEAK}),
    ("dr_grpo", "dr_grpo"): (set(), {LEAK}),
    ("cispo", "cispo"): ({"aggregation_semantics", "clip_semantics", "degenerate_inputs", "gradient", "hyperparameters",
                          "large_log_ratio", "rollout_is_weights", "value"},
                         {"IS weight clipped from above only", "ignores clip_ratio_low", LEAK}),
    ("gspo", "gspo"): (set(), {LEAK}),
}


@pytest.mark.parametrize("loss_type, variant", sorted(EXPECTED_TRL), ids=[f"{t}-{v}" for t, v in sorted(EXPECTED_TRL)])
def test_trl_losses_against_their_definitions(loss_type, variant):
    checker = build_checker(getattr(conform_adapters, f"trl_{loss_type}"), variant)
    assert checker.semantics.name == "trl-1" and "GRPOTrainer" in checker.semantics_reason
    results = checker.run()
    fails, deviations = EXPECTED_TRL[(loss_type, variant)]
    assert {r.name for r in results if r.status == "fail"} == fails
    assert "masks" in {r.name for r in results if r.status == "warn"}
    assert {d.name for d in deviation_profile(checker, results)} == deviations
    assert checker.modes == (conform_adapters.TRL_MODES["grpo" if loss_type == "gspo" else loss_type],)


def test_trl_grpo_under_verl_semantics_counts_empty_rows():
    """Judged against verl 0.9's aggregation instead, TRL's grpo loss type counts fully masked rows and normalises
    locally (warnings, not deviations)."""
    checker = build_checker(conform_adapters.trl_grpo, "grpo", semantics_name="verl-0.9")
    results = checker.run()
    assert {r.name for r in results if r.status == "fail"} == set()
    assert {r.name for r in results if r.status == "warn"} == {"masks", "empty_rows", "global_normalisers"}
    names = {d.name for d in deviation_profile(checker, results)}
    assert {"normaliser counts empty rows (fully masked rows in the sequence count)", LOCAL} <= names


def test_trl_adapter_refuses_other_aggregation_modes():
    import torch

    with pytest.raises(ValueError, match="loss_agg_mode"):
        conform_adapters.trl_dapo(old_log_prob=torch.zeros(1, 2), log_prob=torch.zeros(1, 2),
                                  advantages=torch.ones(1), response_mask=torch.ones(1, 2),
                                  loss_agg_mode="seq-mean-token-mean", config={})
