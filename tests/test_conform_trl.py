"""TRL's GRPO loss as GRPOTrainer._compute_loss computes it (on a stub trainer), against each definition it claims.

Each deviation found is recorded in EXPECTED_TRL (trl 1.16.0).
"""

import pytest

pytest.importorskip("trl", reason="TRL is not installed (optional extra 'trl': pip install -e '.[trl]')")

from fiberpo_check.verification import conform_adapters  # noqa: E402
from fiberpo_check.verification.conform import build_checker  # noqa: E402
from fiberpo_check.verification.conform_report import deviation_profile  # noqa: E402

LEAK = "NaN, +inf, -inf padding leaks into the loss (mask multiplied in, not selected)"
EMPTY_ROWS = "seq-mean normalisers count fully masked rows"
# (loss_type, variant) -> (failing properties, deviations the profile names)
EXPECTED_TRL = {
    ("grpo", "grpo"): ({"masks"}, {EMPTY_ROWS, LEAK}),
    ("bnpo", "ppo"): ({"aggregation_semantics", "masks"}, {"ignores global_batch_info (local normalisers)", LEAK}),
    ("dapo", "dapo"): ({"masks"}, {LEAK}),
    ("dr_grpo", "dr_grpo"): ({"masks"}, {EMPTY_ROWS, LEAK}),
    ("cispo", "cispo"): ({"aggregation_semantics", "clip_semantics", "gradient", "hyperparameters", "large_log_ratio",
                          "masks", "rollout_is_weights", "value"}, {"IS weight clipped from above only", LEAK}),
    ("gspo", "gspo"): ({"masks"}, {EMPTY_ROWS, LEAK}),
}


@pytest.mark.parametrize("loss_type, variant", sorted(EXPECTED_TRL), ids=[f"{t}-{v}" for t, v in sorted(EXPECTED_TRL)])
def test_trl_losses_against_their_definitions(loss_type, variant):
    checker = build_checker(getattr(conform_adapters, f"trl_{loss_type}"), variant)
    results = checker.run()
    fails, deviations = EXPECTED_TRL[(loss_type, variant)]
    assert {r.name for r in results if r.status == "fail"} == fails
    assert {d.name for d in deviation_profile(checker)} == deviations
    assert checker.modes == (conform_adapters.TRL_MODES["grpo" if loss_type == "gspo" else loss_type],)


def test_trl_adapter_refuses_other_aggregation_modes():
    import torch

    with pytest.raises(ValueError, match="loss_agg_mode"):
        conform_adapters.trl_dapo(old_log_prob=torch.zeros(1, 2), log_prob=torch.zeros(1, 2),
                                  advantages=torch.ones(1), response_mask=torch.ones(1, 2),
                                  loss_agg_mode="seq-mean-token-mean", config={})
